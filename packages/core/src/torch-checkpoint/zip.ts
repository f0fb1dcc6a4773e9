import { errors } from '../errors';
import { crc32 } from './crc32';

/**
 * A read-only view of a ZIP archive as torch.save writes it (PyTorch's miniz writer): stored
 * (uncompressed) entries, data descriptors after each entry, a ZIP64 end-of-central-directory
 * record next to the classic one, 64-byte aligned data. Only what such archives use is accepted;
 * every size and offset is checked against the file before anything is read or allocated.
 */
export interface ZipEntry {
  readonly name: string;
  /** Where the entry's bytes start in the archive, and how many there are. */
  readonly dataOffset: number;
  readonly size: number;
  readonly crc32: number;
}

export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's bytes (a view into the archive), after checking its CRC-32 unless told not to. */
  read(name: string, options?: { readonly verify?: boolean }): Uint8Array;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const END_SIZE = 22;
const LOCATOR64_SIZE = 20;
const END64_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA = 0x0001;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const METHOD_STORED = 0;

const corrupt = errors.torchCheckpointCorrupt;
const unsupported = (detail: string) => errors.torchCheckpointUnsupported(detail);

/** The ZIP local-file-header magic "PK\x03\x04" that every torch.save (≥ 1.6) file starts with. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZip(bytes: Uint8Array): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number, what: string) => {
    const value = view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what} is ${value}, beyond any file this reader can hold`);
    return Number(value);
  };

  const end = findEndRecord(bytes, view);
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0 || u16(end + 8) !== u16(end + 10)) {
    throw unsupported('a multi-volume ZIP archive');
  }
  let count = u16(end + 10);
  let directorySize = u32(end + 12);
  let directoryOffset = u32(end + 16);
  let directoryLimit = end;
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the classic record and points at the ZIP64 record.
    const locator = end - LOCATOR64_SIZE;
    if (locator < 0 || u32(locator) !== SIG_LOCATOR64) throw corrupt('the ZIP64 end-of-central-directory locator is missing');
    if (u32(locator + 4) !== 0 || u32(locator + 16) !== 1) throw unsupported('a multi-volume ZIP64 archive');
    const record = u64(locator + 8, 'the ZIP64 end record offset');
    if (record + END64_SIZE > locator || u32(record) !== SIG_END64) throw corrupt('the ZIP64 end-of-central-directory record is missing');
    if (u32(record + 16) !== 0 || u32(record + 20) !== 0) throw unsupported('a multi-volume ZIP64 archive');
    count = u64(record + 32, 'the ZIP64 entry count');
    directorySize = u64(record + 40, 'the ZIP64 central directory size');
    directoryOffset = u64(record + 48, 'the ZIP64 central directory offset');
    directoryLimit = record;
  }
  if (directoryOffset + directorySize > directoryLimit) {
    throw corrupt(`the central directory (${directorySize} bytes at ${directoryOffset}) runs past the end records at ${directoryLimit} (truncated?)`);
  }
  if (count * CENTRAL_SIZE > directorySize) throw corrupt(`${count} entries cannot fit a ${directorySize}-byte central directory`);

  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = directoryOffset;
  const directoryEnd = directoryOffset + directorySize;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > directoryEnd || u32(at) !== SIG_CENTRAL) throw corrupt(`central directory entry ${i} at byte ${at} is malformed`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let diskStart = u16(at + 34);
    let localOffset = u32(at + 42);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > directoryEnd) throw corrupt(`central directory entry ${i} runs past the directory`);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength));
    } catch {
      throw corrupt(`central directory entry ${i} has a name that is not UTF-8`);
    }
    // ZIP64 extra field: the 64-bit values of whichever fields hold their 0xFFFF… placeholders, in order.
    for (let e = at + CENTRAL_SIZE + nameLength; e + 4 <= at + CENTRAL_SIZE + nameLength + extraLength; ) {
      const id = u16(e);
      const length = u16(e + 2);
      const dataEnd = e + 4 + length;
      if (dataEnd > at + CENTRAL_SIZE + nameLength + extraLength) throw corrupt(`entry ${JSON.stringify(name)} has a malformed extra field`);
      if (id === ZIP64_EXTRA) {
        let p = e + 4;
        const take64 = (what: string) => {
          if (p + 8 > dataEnd) throw corrupt(`entry ${JSON.stringify(name)} has a short ZIP64 extra field`);
          const value = u64(p, `${what} of ${JSON.stringify(name)}`);
          p += 8;
          return value;
        };
        if (size === 0xffffffff) size = take64('the size');
        if (compressedSize === 0xffffffff) compressedSize = take64('the compressed size');
        if (localOffset === 0xffffffff) localOffset = take64('the offset');
        if (diskStart === 0xffff) {
          if (p + 4 > dataEnd) throw corrupt(`entry ${JSON.stringify(name)} has a short ZIP64 extra field`);
          diskStart = u32(p);
        }
      }
      e = dataEnd;
    }
    const where = `entry ${JSON.stringify(name)}`;
    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) throw unsupported(`${where} is encrypted`);
    if (method !== METHOD_STORED) throw unsupported(`${where} is compressed (method ${method}); torch.save stores entries uncompressed`);
    if (diskStart !== 0) throw unsupported('a multi-volume ZIP archive');
    if (compressedSize !== size) throw corrupt(`${where} is stored but declares ${compressedSize} compressed and ${size} uncompressed bytes`);
    if (entries.has(name)) throw corrupt(`${where} appears twice`);

    if (localOffset + LOCAL_SIZE > directoryOffset || u32(localOffset) !== SIG_LOCAL) {
      throw corrupt(`${where}: no local header at byte ${localOffset}`);
    }
    const dataOffset = localOffset + LOCAL_SIZE + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + size > directoryOffset) {
      throw corrupt(`${where} declares ${size} bytes at byte ${dataOffset}, past the ${directoryOffset} bytes of entry data (truncated?)`);
    }
    entries.set(name, Object.freeze({ name, dataOffset, size, crc32: crc }));
    at = next;
  }

  return {
    entries,
    read(name, options = {}) {
      const entry = entries.get(name);
      if (entry === undefined) throw corrupt(`the archive has no entry ${JSON.stringify(name)}`);
      const data = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size);
      if ((options.verify ?? true) && crc32(data) !== entry.crc32) throw corrupt(`entry ${JSON.stringify(name)} fails its CRC-32 check`);
      return data;
    },
  };
}

/** The classic end-of-central-directory record: the last "PK\x05\x06" whose comment ends the file. */
function findEndRecord(bytes: Uint8Array, view: DataView): number {
  if (bytes.length < END_SIZE) throw corrupt(`the file is ${bytes.length} bytes, too short for a ZIP archive`);
  const lowest = Math.max(0, bytes.length - END_SIZE - MAX_COMMENT);
  for (let at = bytes.length - END_SIZE; at >= lowest; at--) {
    if (view.getUint32(at, true) === SIG_END && at + END_SIZE + view.getUint16(at + 20, true) === bytes.length) return at;
  }
  throw corrupt('no end-of-central-directory record (truncated?)');
}

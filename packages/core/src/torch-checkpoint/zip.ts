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

/** One positioned read a parser asks for: `length` bytes from byte `offset` of the file. */
export interface RangeRequest {
  readonly offset: number;
  readonly length: number;
}

/**
 * A parser written once for bytes in memory and for a file read by ranges: it yields each range it
 * needs and is handed that range's bytes (fewer at the end of the file). `runSync` serves it from a
 * Uint8Array (views, no copies), `runAsync` from a positioned reader such as a storage's `readRange`.
 */
export type RangeReads<T> = Generator<RangeRequest, T, Uint8Array>;

export function runSync<T>(bytes: Uint8Array, reads: RangeReads<T>): T {
  let step = reads.next();
  while (step.done !== true) {
    const { offset, length } = step.value;
    step = reads.next(bytes.subarray(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length)));
  }
  return step.value;
}

export async function runAsync<T>(read: (offset: number, length: number) => Promise<Uint8Array>, reads: RangeReads<T>): Promise<T> {
  let step = reads.next();
  while (step.done !== true) step = reads.next(await read(step.value.offset, step.value.length));
  return step.value;
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
/** Entries larger than this are read (and their CRC-32 computed) a piece at a time. */
const CHUNK = 16 * 2 ** 20;

const corrupt = errors.torchCheckpointCorrupt;
const unsupported = (detail: string) => errors.torchCheckpointUnsupported(detail);

/** The ZIP local-file-header magic "PK\x03\x04" that every torch.save (≥ 1.6) file starts with. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** A range the parser cannot do without; a short answer means the file was cut (or shrank while being read). */
function* need(offset: number, length: number, what: string): RangeReads<Uint8Array> {
  const bytes = yield { offset, length };
  if (bytes.length < length) throw corrupt(`${what} (${length} bytes at byte ${offset}) is cut short at byte ${offset + bytes.length} (truncated, or the file shrank while it was read)`);
  return bytes;
}

const dataView = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function u64(view: DataView, at: number, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what} is ${value}, beyond any file this reader can hold`);
  return Number(value);
}

/**
 * The entries of a ZIP archive of `size` bytes, from its end records, central directory and local
 * headers alone (read by ranges from the end of the file; no entry's data is read). Every size and
 * offset is checked against the file.
 */
export function* readZipDirectory(size: number): RangeReads<Map<string, ZipEntry>> {
  if (size < END_SIZE) throw corrupt(`the file is ${size} bytes, too short for a ZIP archive`);
  const tailStart = Math.max(0, size - END_SIZE - MAX_COMMENT);
  const tail = yield* need(tailStart, size - tailStart, 'the end of the archive');
  const tailView = dataView(tail);
  const endAt = findEndRecord(tail, tailView);
  const end = tailStart + endAt;
  const e16 = (at: number) => tailView.getUint16(endAt + at, true);
  const e32 = (at: number) => tailView.getUint32(endAt + at, true);
  if (e16(4) !== 0 || e16(6) !== 0 || e16(8) !== e16(10)) {
    throw unsupported('a multi-volume ZIP archive');
  }
  let count = e16(10);
  let directorySize = e32(12);
  let directoryOffset = e32(16);
  let directoryLimit = end;
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the classic record and points at the ZIP64 record.
    const locator = end - LOCATOR64_SIZE;
    if (locator < 0) throw corrupt('the ZIP64 end-of-central-directory locator is missing');
    const locatorView = dataView(yield* need(locator, LOCATOR64_SIZE, 'the ZIP64 end-of-central-directory locator'));
    if (locatorView.getUint32(0, true) !== SIG_LOCATOR64) throw corrupt('the ZIP64 end-of-central-directory locator is missing');
    if (locatorView.getUint32(4, true) !== 0 || locatorView.getUint32(16, true) !== 1) throw unsupported('a multi-volume ZIP64 archive');
    const record = u64(locatorView, 8, 'the ZIP64 end record offset');
    if (record + END64_SIZE > locator) throw corrupt('the ZIP64 end-of-central-directory record is missing');
    const recordView = dataView(yield* need(record, END64_SIZE, 'the ZIP64 end-of-central-directory record'));
    if (recordView.getUint32(0, true) !== SIG_END64) throw corrupt('the ZIP64 end-of-central-directory record is missing');
    if (recordView.getUint32(16, true) !== 0 || recordView.getUint32(20, true) !== 0) throw unsupported('a multi-volume ZIP64 archive');
    count = u64(recordView, 32, 'the ZIP64 entry count');
    directorySize = u64(recordView, 40, 'the ZIP64 central directory size');
    directoryOffset = u64(recordView, 48, 'the ZIP64 central directory offset');
    directoryLimit = record;
  }
  if (directoryOffset + directorySize > directoryLimit) {
    throw corrupt(`the central directory (${directorySize} bytes at ${directoryOffset}) runs past the end records at ${directoryLimit} (truncated?)`);
  }
  if (count * CENTRAL_SIZE > directorySize) throw corrupt(`${count} entries cannot fit a ${directorySize}-byte central directory`);

  const directory = yield* need(directoryOffset, directorySize, 'the central directory');
  const view = dataView(directory);
  // Offsets into `directory`; messages give them as bytes of the file.
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  const directoryEnd = directorySize;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > directoryEnd || u32(at) !== SIG_CENTRAL) throw corrupt(`central directory entry ${i} at byte ${directoryOffset + at} is malformed`);
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
      name = decoder.decode(directory.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength));
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
          const value = u64(view, p, `${what} of ${JSON.stringify(name)}`);
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

    if (localOffset + LOCAL_SIZE > directoryOffset) throw corrupt(`${where}: no local header at byte ${localOffset}`);
    const local = dataView(yield* need(localOffset, LOCAL_SIZE, `the local header of ${where}`));
    if (local.getUint32(0, true) !== SIG_LOCAL) throw corrupt(`${where}: no local header at byte ${localOffset}`);
    const dataOffset = localOffset + LOCAL_SIZE + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataOffset + size > directoryOffset) {
      throw corrupt(`${where} declares ${size} bytes at byte ${dataOffset}, past the ${directoryOffset} bytes of entry data (truncated?)`);
    }
    entries.set(name, Object.freeze({ name, dataOffset, size, crc32: crc }));
    at = next;
  }
  return entries;
}

export interface ReadZipEntryOptions {
  /** Check the CRC-32 of the whole entry (default true), whatever part of it is returned. */
  readonly verify?: boolean;
  /** The part of the entry wanted: `length` bytes from byte `start` of its data (default: all of it). */
  readonly start?: number;
  readonly length?: number;
}

/**
 * Bytes of an entry (a view of the input when read from memory). With `verify`, the whole entry
 * passes through its CRC-32 check first: an entry over 16 MiB is read a piece at a time, and only
 * the part asked for is kept, so checking a multi-gigabyte entry never holds it whole.
 */
export function* readZipEntry(entry: ZipEntry, options: ReadZipEntryOptions = {}): RangeReads<Uint8Array> {
  const start = options.start ?? 0;
  const length = options.length ?? entry.size - start;
  const where = `entry ${JSON.stringify(entry.name)}`;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0 || start + length > entry.size) {
    throw corrupt(`${where} has ${entry.size} bytes; bytes ${start}…${start + length} of it were asked for`);
  }
  if (!(options.verify ?? true)) return yield* need(entry.dataOffset + start, length, where);
  const failed = () => corrupt(`${where} fails its CRC-32 check`);
  if (entry.size <= CHUNK) {
    const data = yield* need(entry.dataOffset, entry.size, where);
    if (crc32(data) !== entry.crc32) throw failed();
    return data.subarray(start, start + length);
  }
  const out = new Uint8Array(length);
  let crc = 0;
  for (let at = 0; at < entry.size; at += CHUNK) {
    const chunk = yield* need(entry.dataOffset + at, Math.min(CHUNK, entry.size - at), where);
    crc = crc32(chunk, crc);
    // The part of [start, start + length) this piece holds.
    const from = Math.max(start, at);
    const to = Math.min(start + length, at + chunk.length);
    if (from < to) out.set(chunk.subarray(from - at, to - at), from - start);
  }
  if (crc !== entry.crc32) throw failed();
  return out;
}

/** The classic end-of-central-directory record in the file's last bytes `tail`: the last "PK\x05\x06" whose comment ends the file. */
function findEndRecord(tail: Uint8Array, view: DataView): number {
  for (let at = tail.length - END_SIZE; at >= 0; at--) {
    if (view.getUint32(at, true) === SIG_END && at + END_SIZE + view.getUint16(at + 20, true) === tail.length) return at;
  }
  throw corrupt('no end-of-central-directory record (truncated?)');
}

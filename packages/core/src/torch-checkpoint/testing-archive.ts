/**
 * Test helpers (not exported by the package): a minimal writer of stored ZIP archives and a pickle
 * assembler, to build torch.save-shaped files, hostile ones included, directly in tests.
 */
import { crc32 } from './crc32';

const encoder = new TextEncoder();

const le = (value: number, bytes: number) => Array.from({ length: bytes }, (_, i) => Math.floor(value / 2 ** (8 * i)) & 0xff);

/** A ZIP of stored entries, laid out like PyTorch's writer (without its alignment padding). */
export function zipArchive(entries: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const parts: number[] = [];
  const central: number[] = [];
  for (const [name, data] of entries) {
    const nameBytes = [...encoder.encode(name)];
    const crc = crc32(data);
    const offset = parts.length;
    parts.push(...le(0x04034b50, 4), ...le(20, 2), ...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(crc, 4), ...le(data.length, 4), ...le(data.length, 4));
    parts.push(...le(nameBytes.length, 2), ...le(0, 2), ...nameBytes, ...data);
    central.push(...le(0x02014b50, 4), ...le(20, 2), ...le(20, 2), ...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(crc, 4));
    central.push(...le(data.length, 4), ...le(data.length, 4), ...le(nameBytes.length, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2));
    central.push(...le(0, 4), ...le(offset, 4), ...nameBytes);
  }
  const directoryOffset = parts.length;
  parts.push(...central);
  parts.push(...le(0x06054b50, 4), ...le(0, 2), ...le(0, 2), ...le(entries.length, 2), ...le(entries.length, 2));
  parts.push(...le(central.length, 4), ...le(directoryOffset, 4), ...le(0, 2));
  return Uint8Array.from(parts);
}

/** Pickle pieces; `pickle(...)` joins them after PROTO 2 and before STOP. */
export const op = {
  str: (s: string) => [0x58, ...le(encoder.encode(s).length, 4), ...encoder.encode(s)],
  int: (n: number) => [0x4a, ...le(n >>> 0, 4)],
  global: (module: string, name: string) => [0x63, ...encoder.encode(`${module}\n${name}\n`)],
  tuple: (...items: number[][]) => [0x28, ...items.flat(), 0x74],
  mark: [0x28],
  emptyDict: [0x7d],
  emptyTuple: [0x29],
  setitems: [0x75],
  reduce: [0x52],
  persid: [0x51],
  build: [0x62],
  false: [0x89],
};

export function pickle(...pieces: number[][]): Uint8Array {
  return Uint8Array.from([0x80, 0x02, ...pieces.flat(), 0x2e]);
}

/** The pickle of `_rebuild_tensor_v2(storage(type, key, numel), offset, shape, stride, False, OrderedDict())`. */
export function tensorPickle(t: { type: string; key: string; numel: number; offset?: number; shape: number[]; stride: number[] }): number[] {
  return [
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...op.tuple(
      [...op.tuple(op.str('storage'), op.global('torch', t.type), op.str(t.key), op.str('cpu'), op.int(t.numel)), ...op.persid],
      op.int(t.offset ?? 0),
      op.tuple(...t.shape.map(op.int)),
      op.tuple(...t.stride.map(op.int)),
      op.false,
      [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce],
    ),
    ...op.reduce,
  ];
}

/** A one-entry state dict `{ [name]: tensor }` as torch.save lays it out, with the given storage bytes. */
export function stateDictArchive(
  name: string,
  tensor: Parameters<typeof tensorPickle>[0],
  storage: Uint8Array,
  extra: readonly (readonly [string, Uint8Array])[] = [],
): Uint8Array {
  const data = pickle(op.emptyDict, op.mark, op.str(name), tensorPickle(tensor), op.setitems);
  return zipArchive([['archive/data.pkl', data], [`archive/data/${tensor.key}`, storage], ...extra]);
}

/** An entry of `sparseZip64`: its bytes, or only a size (zeros never written, CRC-32 recorded as 0). */
export interface SparseZipEntry {
  readonly name: string;
  readonly data?: Uint8Array;
  readonly size?: number;
}

/**
 * A ZIP64 archive laid out like a sparse file, as the pieces that are not zeros: `[offset, bytes]`
 * (local headers, the entries that have data, the central directory and the end records) and the
 * total size. Every entry's sizes and offset are in ZIP64 extra fields, so files of any size (past
 * 4 GiB) can be described without being built.
 */
export function sparseZip64(entries: readonly SparseZipEntry[]): { size: number; pieces: [number, Uint8Array][] } {
  const pieces: [number, Uint8Array][] = [];
  const central: number[] = [];
  let offset = 0;
  for (const { name, data, size = data?.length ?? 0 } of entries) {
    const nameBytes = [...encoder.encode(name)];
    const crc = data === undefined ? 0 : crc32(data);
    const local = [...le(0x04034b50, 4), ...le(45, 2), ...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(crc, 4), ...le(0xffffffff, 4), ...le(0xffffffff, 4)];
    local.push(...le(nameBytes.length, 2), ...le(0, 2), ...nameBytes);
    pieces.push([offset, Uint8Array.from(local)]);
    if (data !== undefined) pieces.push([offset + local.length, data]);
    central.push(...le(0x02014b50, 4), ...le(45, 2), ...le(45, 2), ...le(0, 2), ...le(0, 2), ...le(0, 4), ...le(crc, 4));
    central.push(...le(0xffffffff, 4), ...le(0xffffffff, 4), ...le(nameBytes.length, 2), ...le(28, 2), ...le(0, 2), ...le(0, 2), ...le(0, 2));
    central.push(...le(0, 4), ...le(0xffffffff, 4), ...nameBytes);
    central.push(...le(0x0001, 2), ...le(24, 2), ...le(size, 8), ...le(size, 8), ...le(offset, 8));
    offset += local.length + size;
  }
  const directoryOffset = offset;
  const record = directoryOffset + central.length;
  const tail = [...central];
  tail.push(...le(0x06064b50, 4), ...le(44, 8), ...le(45, 2), ...le(45, 2), ...le(0, 4), ...le(0, 4));
  tail.push(...le(entries.length, 8), ...le(entries.length, 8), ...le(central.length, 8), ...le(directoryOffset, 8));
  tail.push(...le(0x07064b50, 4), ...le(0, 4), ...le(record, 8), ...le(1, 4));
  tail.push(...le(0x06054b50, 4), ...le(0, 2), ...le(0, 2), ...le(0xffff, 2), ...le(0xffff, 2), ...le(0xffffffff, 4), ...le(0xffffffff, 4), ...le(0, 2));
  pieces.push([directoryOffset, Uint8Array.from(tail)]);
  return { size: directoryOffset + tail.length, pieces };
}

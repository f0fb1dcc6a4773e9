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

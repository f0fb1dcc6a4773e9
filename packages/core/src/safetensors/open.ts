import type { Storage } from '../contracts/storage';
import { errors } from '../errors';
import { parseSafetensorsHeader, readHeaderLength, readSafetensors, tensorFromBytes, type SafetensorsHeaderEntry, type SafetensorsTensor } from './read';

/** A tensor as a safetensors header describes it, before any of its bytes are read. */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsTensor['dtype'];
  readonly shape: readonly number[];
  readonly byteLength: number;
}

/** A safetensors file opened by its header: tensors are read one at a time, on demand. */
export interface SafetensorsSource {
  /** The `__metadata__` strings ({} when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Every tensor's dtype, shape and size, in file order, from the header alone. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  /** The file's size in bytes. */
  readonly byteLength: number;
  /** Reads one tensor (its own aligned copy). */
  read(name: string): Promise<SafetensorsTensor>;
}

export interface OpenSafetensorsOptions {
  readonly signal?: AbortSignal;
  /**
   * A data section up to this many bytes is read in one range at the first `read`; larger ones
   * tensor by tensor. Default `SAFETENSORS_WHOLE_READ_BYTES` (64 MiB); 0 reads every tensor by its
   * own range (to read a few tensors of a file over a network).
   */
  readonly wholeReadBytes?: number;
}

const corrupt = errors.safetensorsCorrupt;

/**
 * A data section up to this size is read in one range, at the first tensor asked for, and each
 * tensor is copied out of it: one read instead of one open/read/close per tensor (185 of them for
 * the demo's base). Larger files are read tensor by tensor.
 */
export const SAFETENSORS_WHOLE_READ_BYTES = 64 * 2 ** 20;

/**
 * Opens a safetensors file through `storage` without reading it whole when the storage can read
 * ranges (`readRange`: fsStorage, memoryStorage): the 8-byte length and the JSON header are read
 * and validated first (the tensors must tile the data section, and the file must end exactly where
 * the last one does), then each tensor is read by its own range when asked for (a data section of
 * up to `SAFETENSORS_WHOLE_READ_BYTES` in one range). So a large file (guided-diffusion's 2.2 GB
 * U-Net, or more) is never one buffer, and a header that does not
 * fit the network can be refused before any tensor is read. A storage without `readRange` reads
 * the file once, whole.
 *
 * @throws CDM_SAFETENSORS_CORRUPT / CDM_SAFETENSORS_UNSUPPORTED as `readSafetensors` does.
 */
export async function openSafetensors(storage: Storage, path: string, options: OpenSafetensorsOptions = {}): Promise<SafetensorsSource> {
  const readOptions = options.signal === undefined ? {} : { signal: options.signal };
  if (storage.readRange === undefined) {
    const bytes = await storage.read(path, readOptions);
    const file = readSafetensors(bytes);
    return {
      metadata: file.metadata,
      entries: new Map([...file.tensors].map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, byteLength: t.data.byteLength }] as const)),
      byteLength: bytes.byteLength,
      read: async (name) => file.tensors.get(name) ?? missing(name, path),
    };
  }
  const readRange = storage.readRange.bind(storage);
  const checkAborted = () => {
    if (options.signal?.aborted === true) throw errors.aborted(`Reading ${path}`);
  };
  checkAborted();
  const headerLength = readHeaderLength(await readRange(path, 0, 8));
  const headerBytes = await readRange(path, 8, headerLength);
  if (headerBytes.byteLength < headerLength) {
    throw corrupt(`the header length ${headerLength} exceeds the ${headerBytes.byteLength} bytes after it (truncated?)`);
  }
  const { metadata, entries, dataLength } = parseSafetensorsHeader(headerBytes);
  const dataStart = 8 + headerLength;
  // The file must end where the last tensor does: one byte before that end exists, none after it.
  const tail = await readRange(path, dataStart + Math.max(0, dataLength - 1), 2);
  const expectedTail = dataLength === 0 ? 0 : 1;
  if (tail.byteLength < expectedTail) throw corrupt(`the tensors end at byte ${dataStart + dataLength}, after the end of the file (truncated?)`);
  if (tail.byteLength > expectedTail) throw corrupt(`unused bytes follow the last tensor at byte ${dataStart + dataLength}`);
  const byName = new Map<string, SafetensorsHeaderEntry>(entries.map((e) => [e.name, e] as const));
  const wholeReadBytes = options.wholeReadBytes ?? SAFETENSORS_WHOLE_READ_BYTES;
  let data: Promise<Uint8Array> | undefined;
  const readData = async (entry: SafetensorsHeaderEntry): Promise<Uint8Array> => {
    if (dataLength > wholeReadBytes) return readRange(path, dataStart + entry.begin, entry.end - entry.begin);
    data ??= readRange(path, dataStart, dataLength);
    return (await data).subarray(entry.begin, entry.end);
  };
  return {
    metadata,
    entries: new Map(entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape, byteLength: e.end - e.begin }] as const)),
    byteLength: dataStart + dataLength,
    async read(name) {
      const entry = byName.get(name);
      if (entry === undefined) return missing(name, path);
      checkAborted();
      const bytes = await readData(entry);
      if (bytes.byteLength < entry.end - entry.begin) throw corrupt(`tensor ${JSON.stringify(name)} is cut short: the file shrank while it was read`);
      return tensorFromBytes(entry, bytes);
    },
  };
}

function missing(name: string, path: string): never {
  throw errors.invalidArgument('tensor name', `a tensor of ${path}`, name);
}

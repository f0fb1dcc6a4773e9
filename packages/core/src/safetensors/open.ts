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
}

const corrupt = errors.safetensorsCorrupt;

/**
 * Opens a safetensors file through `storage` without reading it whole when the storage can read
 * ranges (`readRange`: fsStorage, memoryStorage): the 8-byte length and the JSON header are read
 * and validated first (the tensors must tile the data section, and the file must end exactly where
 * the last one does), then each tensor is read by its own range when asked for. So a file of any
 * size (guided-diffusion's 2.2 GB U-Net, or more) is never one buffer, and a header that does not
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
  return {
    metadata,
    entries: new Map(entries.map((e) => [e.name, { dtype: e.dtype, shape: e.shape, byteLength: e.end - e.begin }] as const)),
    byteLength: dataStart + dataLength,
    async read(name) {
      const entry = byName.get(name);
      if (entry === undefined) return missing(name, path);
      checkAborted();
      const bytes = await readRange(path, dataStart + entry.begin, entry.end - entry.begin);
      if (bytes.byteLength < entry.end - entry.begin) throw corrupt(`tensor ${JSON.stringify(name)} is cut short: the file shrank while it was read`);
      return tensorFromBytes(entry, bytes);
    },
  };
}

function missing(name: string, path: string): never {
  throw errors.invalidArgument('tensor name', `a tensor of ${path}`, name);
}

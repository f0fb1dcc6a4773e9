import type { Storage } from '../contracts/storage';
import { errors } from '../errors';
import { SAFETENSORS_ARRAY_CONSTRUCTORS, SAFETENSORS_DTYPE_SIZES } from '../safetensors/dtypes';
import { HOST_IS_LITTLE_ENDIAN, swapBytes } from '../safetensors/endian';
import type { SafetensorsEntry, SafetensorsSource } from '../safetensors/open';
import type { SafetensorsFile, SafetensorsTensor } from '../safetensors/read';
import { PickleDict, PickleTuple, TorchTensorRef, unpickle, type PickleValue } from './pickle';
import { isZip, readZipDirectory, readZipEntry, runAsync, runSync, type RangeReads, type ZipEntry } from './zip';

export interface ReadTorchCheckpointOptions {
  /** Check the CRC-32 of every entry read (default true); off saves a pass over the data. */
  readonly verifyChecksums?: boolean;
}

export interface OpenTorchCheckpointOptions extends ReadTorchCheckpointOptions {
  readonly signal?: AbortSignal;
  /** The file's size in bytes when known (from a stat); otherwise it is found with 1-byte reads. */
  readonly byteLength?: number;
}

/** The start of the legacy (torch < 1.6) format: PROTO 2, then LONG1 of the magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

const isLegacy = (bytes: Uint8Array) => LEGACY_MAGIC.every((b, i) => bytes[i] === b);

/** True for what torch.save writes: a ZIP archive (torch ≥ 1.6), or the legacy format (refused by the reader). */
export function isTorchCheckpoint(bytes: Uint8Array): boolean {
  return isZip(bytes) || isLegacy(bytes);
}

const corrupt = errors.torchCheckpointCorrupt;

/**
 * Reads a `torch.save` file (.pt/.pth) holding a state dict, without PyTorch and without running
 * any of the pickle: a ZIP reader, a restricted unpickler (see pickle.ts) and a copy of each
 * tensor's elements out of `archive/data/<key>`. Returns the same `{ metadata, tensors }` as
 * `readSafetensors`: tensors keep their dtype (F32, F16, BF16, … — `toFloat32` converts) and
 * are made contiguous, in PyTorch's layout. Nested dicts (and lists) are flattened with dotted
 * names (`{ model: { w } }` → `model.w`); their other plain values (numbers, strings, booleans,
 * None) go to `metadata` as JSON text. The bytes are read through the same ranged reader that
 * `openTorchCheckpoint` uses on a file, served from memory.
 *
 * @throws CDM_UNSAFE_PICKLE for a pickle that asks for anything but tensors and plain containers;
 *   CDM_TORCH_CHECKPOINT_CORRUPT for a truncated or inconsistent file; CDM_TORCH_CHECKPOINT_UNSUPPORTED
 *   for the legacy (torch < 1.6) format, TorchScript archives, compressed or encrypted entries.
 */
export function readTorchCheckpoint(bytes: Uint8Array, options: ReadTorchCheckpointOptions = {}): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw errors.invalidArgument('bytes', 'a Uint8Array', bytes);
  const archive = runSync(bytes, openArchive(bytes.length, options.verifyChecksums ?? true));
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, ref] of archive.tensors) tensors.set(name, runSync(bytes, archive.storages.tensor(ref, name)));
  return Object.freeze({ metadata: archive.metadata, tensors });
}

/**
 * Opens a `torch.save` file through `storage` without reading it whole when the storage can read
 * ranges (`readRange`: fsStorage, memoryStorage): the ZIP's end records and central directory are
 * read from the end of the file, then the pickle (data.pkl) whole, and every tensor it names is
 * checked against its storage entry — all before any tensor data is read. Each tensor is then read
 * by its own range when asked for (its storage entry's CRC-32 checked once, a piece at a time). So a
 * checkpoint of any size (guided-diffusion's 2.2 GB U-Net) is never one buffer, and one that does
 * not fit the network can be refused from its names and shapes alone. Gives the same
 * `SafetensorsSource` as `openSafetensors` (so `loadStateDict` takes either), with the tensors
 * `readTorchCheckpoint` gives. A storage without `readRange` reads the file once, whole.
 *
 * @throws the errors of `readTorchCheckpoint`; CDM_ABORTED when `signal` aborts.
 */
export async function openTorchCheckpoint(storage: Storage, path: string, options: OpenTorchCheckpointOptions = {}): Promise<SafetensorsSource> {
  const verify = options.verifyChecksums ?? true;
  const readOptions = options.signal === undefined ? {} : { signal: options.signal };
  if (storage.readRange === undefined) {
    const bytes = await storage.read(path, readOptions);
    const file = readTorchCheckpoint(bytes, { verifyChecksums: verify });
    return {
      metadata: file.metadata,
      entries: new Map([...file.tensors].map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, byteLength: t.data.byteLength }] as const)),
      byteLength: bytes.byteLength,
      read: async (name) => file.tensors.get(name) ?? missing(name, path),
    };
  }
  if (options.byteLength !== undefined && !(Number.isSafeInteger(options.byteLength) && options.byteLength >= 0)) {
    throw errors.invalidArgument('byteLength', 'a non-negative integer', options.byteLength);
  }
  const readRange = storage.readRange.bind(storage);
  const read = (offset: number, length: number) => {
    if (options.signal?.aborted === true) throw errors.aborted(`Reading ${path}`);
    return readRange(path, offset, length);
  };
  const byteLength = options.byteLength ?? (await probeSize(read));
  const archive = await runAsync(read, openArchive(byteLength, verify));
  return {
    metadata: archive.metadata,
    entries: new Map([...archive.tensors].map(([name, ref]) => [name, archive.storages.describe(ref)] as const)),
    byteLength,
    async read(name) {
      const ref = archive.tensors.get(name);
      if (ref === undefined) return missing(name, path);
      return runAsync(read, archive.storages.tensor(ref, name));
    },
  };
}

function missing(name: string, path: string): never {
  throw errors.invalidArgument('tensor name', `a tensor of ${path}`, name);
}

/** A file's size from 1-byte reads (a byte at `p` exists iff the size exceeds `p`): doubling, then bisection. */
async function probeSize(read: (offset: number, length: number) => Promise<Uint8Array>): Promise<number> {
  const exists = async (at: number) => (await read(at, 1)).length > 0;
  if (!(await exists(0))) return 0;
  let present = 0;
  let absent = 1;
  while (await exists(absent)) {
    present = absent;
    absent *= 2;
    if (absent > Number.MAX_SAFE_INTEGER) throw corrupt('the file has no end this reader can find');
  }
  while (absent - present > 1) {
    const middle = present + Math.floor((absent - present) / 2);
    if (await exists(middle)) present = middle;
    else absent = middle;
  }
  return absent;
}

/** An archive opened by its directory and pickle: every tensor named and checked, none read yet. */
interface OpenedArchive {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, TorchTensorRef>;
  readonly storages: StorageReader;
}

function* openArchive(size: number, verify: boolean): RangeReads<OpenedArchive> {
  const head = yield { offset: 0, length: Math.min(size, LEGACY_MAGIC.length) };
  if (isLegacy(head)) {
    throw errors.torchCheckpointUnsupported(
      'the legacy format of torch < 1.6',
      'Re-save it with torch ≥ 1.6: torch.save(torch.load(old_path, weights_only=True), new_path), or convert it to safetensors',
    );
  }
  if (!isZip(head)) throw corrupt('not a ZIP archive (torch.save writes one since torch 1.6)');
  const entries = yield* readZipDirectory(size);
  const pickles = [...entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) throw corrupt(`expected one <archive>/data.pkl entry, found ${pickles.length}`);
  const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
  if (entries.has(`${prefix}constants.pkl`)) {
    throw errors.torchCheckpointUnsupported('a TorchScript archive (torch.jit.save)', "Save the module's weights instead: torch.save(module.state_dict(), path)");
  }
  const littleEndian = yield* byteOrder(entries, prefix, verify);
  const root = unpickle(yield* readZipEntry(entries.get(pickles[0]!)!, { verify }), pickles[0]);
  if (!(root instanceof PickleDict)) throw errors.torchCheckpointUnsupported(`the file holds a ${describeRoot(root)}, not a dict of tensors`);

  const storages = new StorageReader(entries, prefix, verify, littleEndian);
  const tensors = new Map<string, TorchTensorRef>();
  const metadata: Record<string, string> = {};
  const visit = (value: PickleValue, name: string) => {
    const taken = () => tensors.has(name) || Object.prototype.hasOwnProperty.call(metadata, name);
    if (value instanceof TorchTensorRef) {
      if (taken()) throw corrupt(`two entries flatten to the name ${JSON.stringify(name)}`);
      storages.check(value, name);
      tensors.set(name, value);
    } else if (value instanceof PickleDict || Array.isArray(value) || value instanceof PickleTuple) {
      const children: [string, PickleValue][] =
        value instanceof PickleDict ? [...value.map].map(([k, v]) => [String(k), v]) : (Array.isArray(value) ? value : value.items).map((v, i) => [String(i), v]);
      for (const [key, child] of children) visit(child, name === '' ? key : `${name}.${key}`);
    } else if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      if (taken()) throw corrupt(`two entries flatten to the name ${JSON.stringify(name)}`);
      metadata[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    // Bytes and bare storages carry no weights; they are left out.
  };
  visit(root, '');
  return { metadata: Object.freeze(metadata), tensors, storages };
}

function describeRoot(value: PickleValue): string {
  if (value instanceof TorchTensorRef) return 'single tensor';
  if (Array.isArray(value) || value instanceof PickleTuple) return 'sequence';
  return value === null ? 'None' : typeof value === 'object' ? value.constructor.name : typeof value;
}

/** torch ≥ 2.1 records the byte order of the data; older archives are little-endian (x86, ARM). */
function* byteOrder(entries: ReadonlyMap<string, ZipEntry>, prefix: string, verify: boolean): RangeReads<boolean> {
  const entry = entries.get(`${prefix}byteorder`);
  if (entry === undefined) return true;
  const text = new TextDecoder().decode(yield* readZipEntry(entry, { verify })).trim();
  if (text !== 'little' && text !== 'big') throw corrupt(`the byteorder record says ${JSON.stringify(text)}`);
  return text === 'little';
}

/** The number of elements of a shape. */
const elements = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/**
 * Checks tensors against their storages before anything is read, then reads each tensor's part of
 * its storage (by range) and copies it out, contiguous. A storage's CRC-32 is checked the first
 * time any tensor of it is read; no storage is kept.
 */
class StorageReader {
  private readonly dtypes = new Map<string, string>();
  private readonly verified = new Set<string>();

  constructor(
    private readonly entries: ReadonlyMap<string, ZipEntry>,
    private readonly prefix: string,
    private readonly verify: boolean,
    private readonly littleEndian: boolean,
  ) {}

  /** Every check of a tensor and its storage that needs no tensor data: shape, bounds, the entry's size. */
  check(ref: TorchTensorRef, name: string): void {
    const { storage, offset, shape, stride } = ref;
    const where = `tensor ${JSON.stringify(name)}`;
    const count = elements(shape);
    if (!Number.isSafeInteger(count)) throw corrupt(`${where} has shape [${shape.join(', ')}], too many elements`);
    const last = lastElement(ref);
    if (count > 0 && last >= storage.numel) {
      throw corrupt(`${where} (shape [${shape.join(', ')}], stride [${stride.join(', ')}], offset ${offset}) reaches element ${last} of a ${storage.numel}-element storage`);
    }
    if (count > storage.numel) {
      throw errors.torchCheckpointUnsupported(`${where} repeats storage elements (an expanded view)`, 'Save tensor.contiguous() (or clone()) instead');
    }
    if (count === 0) return;
    const known = this.dtypes.get(storage.key);
    if (known !== undefined && known !== storage.dtype) throw corrupt(`storage ${storage.key} is read as both ${known} and ${storage.dtype}`);
    const entryName = `${this.prefix}data/${storage.key}`;
    const entry = this.entries.get(entryName);
    if (entry === undefined) throw corrupt(`${where} names storage ${JSON.stringify(storage.key)}, which the archive lacks`);
    const bytes = storage.numel * SAFETENSORS_DTYPE_SIZES[storage.dtype];
    if (!Number.isSafeInteger(bytes) || bytes !== entry.size) {
      throw corrupt(`storage ${JSON.stringify(storage.key)} declares ${storage.numel} ${storage.dtype} elements (${bytes} bytes), but ${entryName} holds ${entry.size} bytes`);
    }
    this.dtypes.set(storage.key, storage.dtype);
  }

  /** A checked tensor's dtype, shape and size, without reading it. */
  describe(ref: TorchTensorRef): SafetensorsEntry {
    return { dtype: ref.storage.dtype, shape: Object.freeze([...ref.shape]), byteLength: elements(ref.shape) * SAFETENSORS_DTYPE_SIZES[ref.storage.dtype] };
  }

  /** Reads a checked tensor: only the span of its storage that it covers, copied into a buffer of its own. */
  *tensor(ref: TorchTensorRef, name: string): RangeReads<SafetensorsTensor> {
    const { storage, offset, shape, stride } = ref;
    const size = SAFETENSORS_DTYPE_SIZES[storage.dtype];
    const count = elements(shape);
    const buffer = new ArrayBuffer(count * size);
    const out = new Uint8Array(buffer);
    if (count > 0) {
      const entry = this.entries.get(`${this.prefix}data/${storage.key}`);
      if (entry === undefined) throw corrupt(`tensor ${JSON.stringify(name)} names storage ${JSON.stringify(storage.key)}, which the archive lacks`);
      const verify = this.verify && !this.verified.has(storage.key);
      const source = yield* readZipEntry(entry, { verify, start: offset * size, length: (lastElement(ref) - offset + 1) * size });
      if (verify) this.verified.add(storage.key);
      if (isRowMajor(shape, stride)) out.set(source.subarray(0, count * size));
      else gather(source, out, size, 0, shape, stride);
    }
    if (this.littleEndian !== HOST_IS_LITTLE_ENDIAN) swapBytes(out, size);
    const data = new SAFETENSORS_ARRAY_CONSTRUCTORS[storage.dtype](buffer);
    return Object.freeze({ dtype: storage.dtype, shape: Object.freeze([...shape]), data }) as SafetensorsTensor;
  }
}

/** The storage element of a view's last element (strides are non-negative, so its first is `offset`). */
function lastElement({ offset, shape, stride }: TorchTensorRef): number {
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * stride[i]!;
  return last;
}

/** Strides of a C-contiguous tensor (dimensions of size 1 may have any stride). */
function isRowMajor(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** Copies a strided view element by element into row-major order. */
function gather(source: Uint8Array, out: Uint8Array, size: number, offset: number, shape: readonly number[], stride: readonly number[]): void {
  const index = new Array<number>(shape.length).fill(0);
  let position = offset;
  const count = out.length / size;
  for (let n = 0; n < count; n++) {
    out.set(source.subarray(position * size, position * size + size), n * size);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]!++;
      position += stride[d]!;
      if (index[d]! < shape[d]!) break;
      position -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

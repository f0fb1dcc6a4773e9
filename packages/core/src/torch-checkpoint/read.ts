import { errors } from '../errors';
import { SAFETENSORS_ARRAY_CONSTRUCTORS, SAFETENSORS_DTYPE_SIZES } from '../safetensors/dtypes';
import { HOST_IS_LITTLE_ENDIAN, swapBytes } from '../safetensors/endian';
import type { SafetensorsFile, SafetensorsTensor } from '../safetensors/read';
import { PickleDict, PickleTuple, TorchTensorRef, unpickle, type PickleValue, type TorchStorageRef } from './pickle';
import { isZip, readZip, type ZipArchive } from './zip';

export interface ReadTorchCheckpointOptions {
  /** Check the CRC-32 of every entry read (default true); off saves a pass over the data. */
  readonly verifyChecksums?: boolean;
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
 * None) go to `metadata` as JSON text.
 *
 * @throws CDM_UNSAFE_PICKLE for a pickle that asks for anything but tensors and plain containers;
 *   CDM_TORCH_CHECKPOINT_CORRUPT for a truncated or inconsistent file; CDM_TORCH_CHECKPOINT_UNSUPPORTED
 *   for the legacy (torch < 1.6) format, TorchScript archives, compressed or encrypted entries.
 */
export function readTorchCheckpoint(bytes: Uint8Array, options: ReadTorchCheckpointOptions = {}): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw errors.invalidArgument('bytes', 'a Uint8Array', bytes);
  if (isLegacy(bytes)) {
    throw errors.torchCheckpointUnsupported(
      'the legacy format of torch < 1.6',
      'Re-save it with torch ≥ 1.6: torch.save(torch.load(old_path, weights_only=True), new_path), or convert it to safetensors',
    );
  }
  if (!isZip(bytes)) throw corrupt('not a ZIP archive (torch.save writes one since torch 1.6)');
  const zip = readZip(bytes);
  const verify = options.verifyChecksums ?? true;
  const pickles = [...zip.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) throw corrupt(`expected one <archive>/data.pkl entry, found ${pickles.length}`);
  const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
  if (zip.entries.has(`${prefix}constants.pkl`)) {
    throw errors.torchCheckpointUnsupported('a TorchScript archive (torch.jit.save)', "Save the module's weights instead: torch.save(module.state_dict(), path)");
  }
  const littleEndian = byteOrder(zip, prefix, verify);
  const root = unpickle(zip.read(pickles[0]!, { verify }), pickles[0]);
  if (!(root instanceof PickleDict)) throw errors.torchCheckpointUnsupported(`the file holds a ${describeRoot(root)}, not a dict of tensors`);

  const storages = new StorageReader(zip, prefix, verify, littleEndian);
  const tensors = new Map<string, SafetensorsTensor>();
  const metadata: Record<string, string> = {};
  const visit = (value: PickleValue, name: string) => {
    const taken = () => tensors.has(name) || Object.prototype.hasOwnProperty.call(metadata, name);
    if (value instanceof TorchTensorRef) {
      if (taken()) throw corrupt(`two entries flatten to the name ${JSON.stringify(name)}`);
      tensors.set(name, storages.tensor(value, name));
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
  return Object.freeze({ metadata: Object.freeze(metadata), tensors });
}

function describeRoot(value: PickleValue): string {
  if (value instanceof TorchTensorRef) return 'single tensor';
  if (Array.isArray(value) || value instanceof PickleTuple) return 'sequence';
  return value === null ? 'None' : typeof value === 'object' ? value.constructor.name : typeof value;
}

/** torch ≥ 2.1 records the byte order of the data; older archives are little-endian (x86, ARM). */
function byteOrder(zip: ZipArchive, prefix: string, verify: boolean): boolean {
  if (!zip.entries.has(`${prefix}byteorder`)) return true;
  const text = new TextDecoder().decode(zip.read(`${prefix}byteorder`, { verify })).trim();
  if (text !== 'little' && text !== 'big') throw corrupt(`the byteorder record says ${JSON.stringify(text)}`);
  return text === 'little';
}

/** Reads storages once each and copies tensors out of them. */
class StorageReader {
  private readonly seen = new Map<string, { dtype: string; data: Uint8Array }>();

  constructor(
    private readonly zip: ZipArchive,
    private readonly prefix: string,
    private readonly verify: boolean,
    private readonly littleEndian: boolean,
  ) {}

  private storage(ref: TorchStorageRef, name: string): Uint8Array {
    const known = this.seen.get(ref.key);
    if (known !== undefined) {
      if (known.dtype !== ref.dtype) throw corrupt(`storage ${ref.key} is read as both ${known.dtype} and ${ref.dtype}`);
      return known.data;
    }
    const entryName = `${this.prefix}data/${ref.key}`;
    const entry = this.zip.entries.get(entryName);
    if (entry === undefined) throw corrupt(`tensor ${JSON.stringify(name)} names storage ${JSON.stringify(ref.key)}, which the archive lacks`);
    const bytes = ref.numel * SAFETENSORS_DTYPE_SIZES[ref.dtype];
    if (!Number.isSafeInteger(bytes) || bytes !== entry.size) {
      throw corrupt(`storage ${JSON.stringify(ref.key)} declares ${ref.numel} ${ref.dtype} elements (${bytes} bytes), but ${entryName} holds ${entry.size} bytes`);
    }
    const data = this.zip.read(entryName, { verify: this.verify });
    this.seen.set(ref.key, { dtype: ref.dtype, data });
    return data;
  }

  tensor(ref: TorchTensorRef, name: string): SafetensorsTensor {
    const { storage, offset, shape, stride } = ref;
    const where = `tensor ${JSON.stringify(name)}`;
    let count = 1;
    for (const d of shape) count *= d;
    if (!Number.isSafeInteger(count)) throw corrupt(`${where} has shape [${shape.join(', ')}], too many elements`);
    let last = offset;
    for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * stride[i]!;
    if (count > 0 && last >= storage.numel) {
      throw corrupt(`${where} (shape [${shape.join(', ')}], stride [${stride.join(', ')}], offset ${offset}) reaches element ${last} of a ${storage.numel}-element storage`);
    }
    if (count > storage.numel) {
      throw errors.torchCheckpointUnsupported(`${where} repeats storage elements (an expanded view)`, 'Save tensor.contiguous() (or clone()) instead');
    }
    const source = count === 0 ? new Uint8Array(0) : this.storage(storage, name);
    const size = SAFETENSORS_DTYPE_SIZES[storage.dtype];
    const buffer = new ArrayBuffer(count * size);
    const out = new Uint8Array(buffer);
    if (isRowMajor(shape, stride)) {
      out.set(source.subarray(offset * size, (offset + count) * size));
    } else {
      gather(source, out, size, offset, shape, stride);
    }
    if (this.littleEndian !== HOST_IS_LITTLE_ENDIAN) swapBytes(out, size);
    const data = new SAFETENSORS_ARRAY_CONSTRUCTORS[storage.dtype](buffer);
    return Object.freeze({ dtype: storage.dtype, shape: Object.freeze([...shape]), data }) as SafetensorsTensor;
  }
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

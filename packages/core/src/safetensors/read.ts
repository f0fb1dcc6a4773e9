import { errors } from '../errors';
import {
  SAFETENSORS_ARRAY_CONSTRUCTORS,
  SAFETENSORS_DTYPE_SIZES,
  bfloat16ToFloat32Array,
  float16ToFloat32Array,
  isSafetensorsDtype,
  type SafetensorsArrayTypes,
  type SafetensorsDtype,
} from './dtypes';
import { toLittleEndianHost } from './endian';

/**
 * One tensor of a safetensors file. Narrowing on `dtype` narrows `data` to its typed array
 * (raw bits in a Uint16Array for F16 and BF16; use `toFloat32` for values).
 */
export type SafetensorsTensor = {
  readonly [D in SafetensorsDtype]: {
    readonly dtype: D;
    readonly shape: readonly number[];
    readonly data: SafetensorsArrayTypes[D];
  };
}[SafetensorsDtype];

/** A decoded safetensors file. */
export interface SafetensorsFile {
  /** The `__metadata__` strings ({} when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Tensors by name, in the order their bytes appear in the file. */
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
}

/** The largest JSON header accepted, as in the reference implementation (100 MiB). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100 * 1024 * 1024;

const METADATA_KEY = '__metadata__';

/** A tensor as the header describes it: dtype, shape and its byte range in the data section. */
export interface SafetensorsHeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

const corrupt = errors.safetensorsCorrupt;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const showValue = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 60)}…` : text;
};

/**
 * Decodes a safetensors file: an 8-byte little-endian header length, a JSON header, then the
 * tensor bytes. Everything is validated before anything is allocated, and each tensor's data is
 * copied into its own aligned array, so the result does not depend on `bytes` afterwards.
 *
 * @throws CDM_SAFETENSORS_CORRUPT for a malformed or truncated file, CDM_SAFETENSORS_UNSUPPORTED
 *   for a dtype this implementation does not know.
 */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw errors.invalidArgument('bytes', 'a Uint8Array', bytes);
  const headerLength = readHeaderLength(bytes);
  if (headerLength > bytes.byteLength - 8) {
    throw corrupt(`the header length ${headerLength} exceeds the ${bytes.byteLength - 8} bytes after it (truncated?)`);
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;
  const { metadata, entries } = parseSafetensorsHeader(bytes.subarray(8, dataStart), dataLength);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const entry of entries) tensors.set(entry.name, tensorFromBytes(entry, bytes.subarray(dataStart + entry.begin, dataStart + entry.end)));
  return Object.freeze({ metadata, tensors });
}

/** A tensor from its bytes (copied into an aligned array of its own, in host byte order). */
export function tensorFromBytes(entry: SafetensorsHeaderEntry, bytes: Uint8Array): SafetensorsTensor {
  const buffer = new ArrayBuffer(entry.end - entry.begin);
  const raw = new Uint8Array(buffer);
  raw.set(bytes);
  toLittleEndianHost(raw, SAFETENSORS_DTYPE_SIZES[entry.dtype]);
  const data = new SAFETENSORS_ARRAY_CONSTRUCTORS[entry.dtype](buffer);
  return Object.freeze({ dtype: entry.dtype, shape: entry.shape, data }) as SafetensorsTensor;
}

/** The header's length from a file's first 8 bytes (little-endian), checked against the 100 MiB limit. */
export function readHeaderLength(bytes: Uint8Array): number {
  if (bytes.byteLength < 8) {
    throw corrupt(`the file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const claimed = view.getBigUint64(0, true);
  if (claimed > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw corrupt(`the header length ${claimed} exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`);
  }
  return Number(claimed);
}

/**
 * Parses and validates a JSON header: metadata, and the entries in file order, which must tile a
 * data section of `dataLength` bytes exactly. With `dataLength` undefined (the file's size is not
 * known yet) they must tile from 0 to the largest end offset, which is returned as `dataLength`.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataLength?: number,
): { metadata: Readonly<Record<string, string>>; entries: SafetensorsHeaderEntry[]; dataLength: number } {
  const header = parseHeader(headerBytes);
  let metadata: Readonly<Record<string, string>> = Object.freeze({});
  const entries: SafetensorsHeaderEntry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value);
    else entries.push(parseEntry(name, value, dataLength ?? Number.MAX_SAFE_INTEGER));
  }
  const length = dataLength ?? entries.reduce((end, e) => Math.max(end, e.end), 0);
  checkCoverage(entries, length);
  return { metadata, entries, dataLength: length };
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // fatal: invalid UTF-8 throws; ignoreBOM: a BOM is kept, so JSON.parse rejects it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch (cause) {
    throw corrupt(`the header is not valid UTF-8 (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (cause) {
    throw corrupt(`the header is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  if (!isObject(header)) throw corrupt(`the header is ${showValue(header)}, not a JSON object`);
  return header;
}

function parseMetadata(value: unknown): Readonly<Record<string, string>> {
  if (!isObject(value)) throw corrupt(`"${METADATA_KEY}" is ${showValue(value)}, not an object of strings`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') {
      throw corrupt(`"${METADATA_KEY}" entry ${JSON.stringify(key)} is ${showValue(item)}, not a string`);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
  return Object.freeze(Object.fromEntries(Object.entries(value) as [string, string][]));
}

function parseEntry(name: string, value: unknown, dataLength: number): SafetensorsHeaderEntry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (!isObject(value)) throw corrupt(`${where} is ${showValue(value)}, not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw corrupt(`${where} has dtype ${showValue(dtype)}, not a string`);
  if (!isSafetensorsDtype(dtype)) {
    const known = Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ');
    throw errors.safetensorsUnsupported(`${where} has dtype ${JSON.stringify(dtype)}; supported: ${known}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw corrupt(`${where} has shape ${showValue(shape)}, not an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw corrupt(`${where} has data_offsets ${showValue(offsets)}, not two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw corrupt(`${where} has data_offsets [${begin}, ${end}] with begin after end`);
  if (end > dataLength) {
    throw corrupt(`${where} ends at byte ${end} of a ${dataLength}-byte data section (truncated?)`);
  }
  let count = 1;
  for (const dim of shape as number[]) count *= dim;
  const size = SAFETENSORS_DTYPE_SIZES[dtype];
  const expected = count * size;
  if (!Number.isSafeInteger(expected) || expected !== end - begin) {
    const needs = `${dtype} shape [${shape.join(', ')}] needs ${count} × ${size}`;
    throw corrupt(`${where} has ${end - begin} bytes, but ${needs}`);
  }
  return { name, dtype, shape: Object.freeze([...(shape as number[])]), begin, end };
}

/**
 * The spec requires the tensors to tile the data section exactly: no overlaps, no gaps, no
 * trailing bytes. Sorts `entries` into file order.
 */
function checkCoverage(entries: SafetensorsHeaderEntry[], dataLength: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let position = 0;
  let previous: SafetensorsHeaderEntry | undefined;
  for (const entry of entries) {
    const where = `tensor ${JSON.stringify(entry.name)}`;
    if (entry.begin < position && previous !== undefined) {
      const other = `tensor ${JSON.stringify(previous.name)} [${previous.begin}, ${previous.end}]`;
      throw corrupt(`${where} [${entry.begin}, ${entry.end}] overlaps ${other}`);
    }
    if (entry.begin > position) {
      throw corrupt(
        `${where} starts at byte ${entry.begin}, leaving bytes ${position}…${entry.begin - 1} of the data section unused`,
      );
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataLength) {
    const after = previous === undefined ? 'no tensor' : `tensor ${JSON.stringify(previous.name)}`;
    throw corrupt(`${dataLength - position} unused bytes follow ${after} at the end of the data section`);
  }
}

/**
 * The tensor's values as a new Float32Array. Floats convert exactly (F16, BF16) or by rounding
 * (F64); integers by rounding to the nearest float32; BOOL as 0 and 1.
 *
 * @param name the tensor's name, for error messages.
 * @throws CDM_SAFETENSORS_UNSUPPORTED when an I64/U64 value is beyond ±2^53 (not exactly a Number).
 */
export function toFloat32(tensor: SafetensorsTensor, name = 'tensor'): Float32Array {
  switch (tensor.dtype) {
    case 'F32':
      return tensor.data.slice();
    case 'F16':
      return float16ToFloat32Array(tensor.data);
    case 'BF16':
      return bfloat16ToFloat32Array(tensor.data);
    case 'I64':
    case 'U64':
      return bigIntsToFloat32(tensor.data, tensor.dtype, name);
    case 'BOOL':
      return Float32Array.from(tensor.data, (v) => (v === 0 ? 0 : 1));
    case 'F64':
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U32':
    case 'U16':
    case 'U8':
      return new Float32Array(tensor.data);
    default:
      throw errors.invalidArgument(`${name}.dtype`, 'a safetensors dtype', (tensor as { dtype: unknown }).dtype);
  }
}

const LIMIT = 2n ** 53n;

function bigIntsToFloat32(data: BigInt64Array | BigUint64Array, dtype: string, name: string): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i] as bigint;
    if (value > LIMIT || value < -LIMIT) {
      throw errors.safetensorsUnsupported(
        `${JSON.stringify(name)} (${dtype}) holds ${value} at index ${i}, beyond ±2^53, which a Number cannot hold exactly`,
      );
    }
    out[i] = Number(value);
  }
  return out;
}

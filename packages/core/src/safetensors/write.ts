import { errors } from '../errors';
import {
  SAFETENSORS_DTYPE_SIZES,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  isSafetensorsDtype,
  type SafetensorsArray,
  type SafetensorsDtype,
} from './dtypes';
import { toLittleEndianHost } from './endian';
import { SAFETENSORS_MAX_HEADER_BYTES } from './read';

/**
 * A tensor to write. `dtype` defaults from the array type (Float32Array → F32, Uint16Array →
 * U16, …). A Float32Array may be written as F16 or BF16 (converted, rounding to nearest even);
 * a Uint16Array as F16 or BF16 raw bits; a Uint8Array as BOOL (values 0 and 1 only).
 */
export interface SafetensorsTensorInput {
  readonly shape: readonly number[];
  readonly data: SafetensorsArray;
  readonly dtype?: SafetensorsDtype;
}

/** The dtype each array type is written as when no dtype is given. */
const DEFAULT_DTYPES: readonly [new (length: number) => SafetensorsArray, SafetensorsDtype][] = [
  [Float64Array, 'F64'],
  [Float32Array, 'F32'],
  [BigInt64Array, 'I64'],
  [Int32Array, 'I32'],
  [Int16Array, 'I16'],
  [Int8Array, 'I8'],
  [BigUint64Array, 'U64'],
  [Uint32Array, 'U32'],
  [Uint16Array, 'U16'],
  [Uint8Array, 'U8'],
];

/** Other dtypes an array's default dtype may be written as. */
const ALSO_WRITABLE_AS: Partial<Record<SafetensorsDtype, readonly SafetensorsDtype[]>> = {
  F32: ['F16', 'BF16'],
  U16: ['F16', 'BF16'],
  U8: ['BOOL'],
};

const METADATA_KEY = '__metadata__';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Prepared {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/**
 * Encodes tensors as a safetensors file. Tensors are laid out sorted by name (UTF-16 code-unit
 * order) and metadata keys are sorted too, so equal inputs give identical bytes; the JSON header
 * is padded with spaces so the data section starts 8-byte aligned.
 *
 * @param tensors name → tensor, as a record, a Map or any iterable of [name, tensor] pairs.
 * @param metadata strings stored under `__metadata__` (omitted when empty).
 * @throws CDM_INVALID_ARGUMENT for a bad name, shape, array or dtype, naming the tensor.
 */
export function writeSafetensors(
  tensors: Iterable<readonly [string, SafetensorsTensorInput]> | Readonly<Record<string, SafetensorsTensorInput>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const prepared = collect(tensors).sort((a, b) => byCodeUnits(a.name, b.name));

  const parts: string[] = [];
  const metadataEntries = checkMetadata(metadata);
  if (metadataEntries.length > 0) {
    const fields = metadataEntries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  let offset = 0;
  for (const tensor of prepared) {
    const end = offset + tensor.bytes.byteLength;
    const info = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, end] };
    parts.push(`${JSON.stringify(tensor.name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  // Built as text rather than an object, so a tensor named "__proto__" is an ordinary key.
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = json.byteLength + ((8 - (json.byteLength % 8)) % 8);
  if (headerLength > SAFETENSORS_MAX_HEADER_BYTES) {
    throw errors.invalidArgument('tensors', `a header of at most ${SAFETENSORS_MAX_HEADER_BYTES} bytes`, headerLength);
  }

  const dataStart = 8 + headerLength;
  const out = allocate(dataStart + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, dataStart);
  let position = dataStart;
  for (const tensor of prepared) {
    const target = out.subarray(position, position + tensor.bytes.byteLength);
    target.set(tensor.bytes);
    toLittleEndianHost(target, SAFETENSORS_DTYPE_SIZES[tensor.dtype]);
    position += tensor.bytes.byteLength;
  }
  return out;
}

function allocate(size: number): Uint8Array {
  try {
    return new Uint8Array(size);
  } catch {
    throw errors.invalidArgument('tensors', 'a total size this JavaScript engine can allocate', size);
  }
}

function collect(
  tensors: Iterable<readonly [string, SafetensorsTensorInput]> | Readonly<Record<string, SafetensorsTensorInput>>,
): Prepared[] {
  if (typeof tensors !== 'object' || tensors === null) {
    throw errors.invalidArgument('tensors', 'a record, Map or iterable of [name, tensor] pairs', tensors);
  }
  const pairs: Iterable<unknown> =
    Symbol.iterator in tensors && typeof tensors[Symbol.iterator] === 'function'
      ? (tensors as Iterable<unknown>)
      : Object.entries(tensors);
  const seen = new Set<string>();
  const prepared: Prepared[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw errors.invalidArgument('tensors entry', 'a [name, tensor] pair', pair);
    }
    const [name, input] = pair as [unknown, unknown];
    checkName(name);
    if (seen.has(name)) throw errors.invalidArgument('tensor name', 'unique names', name);
    seen.add(name);
    prepared.push(prepare(name, input));
  }
  return prepared;
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '' || name === METADATA_KEY || LONE_SURROGATE.test(name)) {
    throw errors.invalidArgument(
      'tensor name',
      `a non-empty string other than "${METADATA_KEY}", without unpaired surrogates`,
      name,
    );
  }
}

function prepare(name: string, input: unknown): Prepared {
  const where = `tensor ${JSON.stringify(name)}`;
  if (typeof input !== 'object' || input === null) {
    throw errors.invalidArgument(where, 'an object { shape, data, dtype? }', input);
  }
  const { shape, data, dtype: requested } = input as Record<string, unknown>;
  const natural = DEFAULT_DTYPES.find(([Ctor]) => data instanceof Ctor)?.[1];
  if (natural === undefined) {
    throw errors.invalidArgument(`${where} data`, 'a typed array (Float32Array, Int32Array, BigInt64Array, …)', data);
  }
  const array = data as SafetensorsArray;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw errors.invalidArgument(`${where} shape`, 'an array of non-negative integers', shape);
  }
  const count = (shape as number[]).reduce((product, d) => product * d, 1);
  if (count !== array.length) {
    throw errors.invalidArgument(`${where} shape`, `dimensions whose product is data.length = ${array.length}`, shape);
  }
  let dtype: SafetensorsDtype = natural;
  if (requested !== undefined) {
    const allowed = [natural, ...(ALSO_WRITABLE_AS[natural] ?? [])];
    if (!isSafetensorsDtype(requested) || !allowed.includes(requested)) {
      throw errors.invalidArgument(`${where} dtype`, `one of ${allowed.join(', ')} for ${array.constructor.name}`, requested);
    }
    dtype = requested;
  }
  let stored: SafetensorsArray = array;
  if (natural === 'F32' && (dtype === 'F16' || dtype === 'BF16')) {
    stored = dtype === 'F16' ? float32ToFloat16Array(array as Float32Array) : float32ToBfloat16Array(array as Float32Array);
  }
  if (dtype === 'BOOL') {
    const bad = (array as Uint8Array).find((v) => v > 1);
    if (bad !== undefined) throw errors.invalidArgument(`${where} data`, 'only 0 and 1 for dtype BOOL', bad);
  }
  const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
  return { name, dtype, shape: [...(shape as number[])], bytes };
}

function checkMetadata(metadata: unknown): [string, string][] {
  if (metadata === undefined) return [];
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw errors.invalidArgument('metadata', 'a record of strings', metadata);
  }
  const entries = Object.entries(metadata);
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || LONE_SURROGATE.test(key) || LONE_SURROGATE.test(value)) {
      throw errors.invalidArgument(`metadata[${JSON.stringify(key)}]`, 'a string without unpaired surrogates', value);
    }
  }
  return entries.sort(([a], [b]) => byCodeUnits(a, b)) as [string, string][];
}

/**
 * The safetensors element types, the typed array each one is held in, and exact conversions
 * between float32 and the two 16-bit float formats (IEEE binary16 "F16" and bfloat16 "BF16").
 *
 * 16-bit floats have no JavaScript typed array, so they are held as their raw bits in a
 * Uint16Array; convert them with the functions below.
 */

/** Byte size of one element of each dtype. */
export const SAFETENSORS_DTYPE_SIZES = Object.freeze({
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const);

/** The element types this implementation reads and writes. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_SIZES;

/** The typed array that holds the elements of each dtype (raw bits for F16 and BF16). */
export interface SafetensorsArrayTypes {
  F64: Float64Array;
  F32: Float32Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I64: BigInt64Array;
  I32: Int32Array;
  I16: Int16Array;
  I8: Int8Array;
  U64: BigUint64Array;
  U32: Uint32Array;
  U16: Uint16Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

/** Any typed array a safetensors tensor can be held in. */
export type SafetensorsArray = SafetensorsArrayTypes[SafetensorsDtype];

/** Constructors for the typed array of each dtype. */
export const SAFETENSORS_ARRAY_CONSTRUCTORS: {
  readonly [D in SafetensorsDtype]: new (buffer: ArrayBuffer) => SafetensorsArrayTypes[D];
} = Object.freeze({
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U64: BigUint64Array,
  U32: Uint32Array,
  U16: Uint16Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
});

/** True when `value` is one of the dtype names above (an own key, so "toString" is not). */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_SIZES, value);
}

// One 4-byte scratch word seen as both float32 and uint32 (same width, so host endianness is moot).
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function f32Bits(value: number): number {
  scratchF32[0] = value;
  return scratchU32[0] as number;
}

function bitsToF32(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0] as number;
}

/** float16 bits → float32 bits. Exact: every float16 (subnormals, ±∞, NaN payloads) fits. */
function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // ±∞, or NaN keeping its payload
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // rebias 15 → 127
  if (mant === 0) return sign >>> 0;
  // Subnormal mant·2^-24: shift the leading 1 up to the implicit-bit position (bit 10).
  const shift = Math.clz32(mant) - 21;
  return (sign | ((113 - shift) << 23) | (((mant << shift) & 0x3ff) << 13)) >>> 0;
}

/** float32 bits → float16 bits, rounding to nearest, ties to even; overflow gives ±∞. */
function f32ToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    // NaN: keep the top payload bits; if they are all zero, set the quiet bit so it stays NaN.
    const payload = mant >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 0x200 : payload);
  }
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    // Normal range. A carry out of the mantissa correctly bumps the exponent (up to ∞ at 0x7c00).
    const half = ((e + 15) << 10) | (mant >>> 13);
    return sign | (half + roundUp(mant & 0x1fff, 13, half));
  }
  if (exp === 0) return sign; // float32 subnormals are far below half the smallest float16 subnormal
  // Float16 subnormal: the value in units of 2^-24 is full·2^(e+1), i.e. full >> shift.
  const shift = -(e + 1); // ≥ 14
  if (shift > 24) return sign; // below 2^-25: rounds to zero
  const full = mant | 0x800000;
  const q = full >>> shift;
  return sign | (q + roundUp(full & ((1 << shift) - 1), shift, q));
}

/** 1 when dropping `rest` (the low `bits` bits) must round the kept value `kept` up (ties to even). */
function roundUp(rest: number, bits: number, kept: number): number {
  const halfway = 1 << (bits - 1);
  return rest > halfway || (rest === halfway && (kept & 1) === 1) ? 1 : 0;
}

/** float32 bits → bfloat16 bits, rounding to nearest, ties to even; NaN stays NaN. */
function f32ToBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) {
    const top = (x >>> 16) & 0xffff;
    return (top & 0x7f) === 0 ? top | 0x40 : top;
  }
  // x + 0x7fff + lsb stays below 2^32 for every non-NaN float32, so >>> is exact.
  return (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

/** Decodes float16 bits (0…0xffff) to the number they represent. */
export function float16BitsToNumber(bits: number): number {
  return bitsToF32(f16ToF32Bits(bits & 0xffff));
}

/**
 * Encodes a number as float16 bits, rounding to nearest, ties to even. The number is first
 * rounded to float32 (this is a float32 → float16 conversion), so pass float32 values for a
 * single correctly rounded step.
 */
export function numberToFloat16Bits(value: number): number {
  return f32ToF16Bits(f32Bits(value));
}

/** Decodes bfloat16 bits (0…0xffff) to the number they represent. */
export function bfloat16BitsToNumber(bits: number): number {
  return bitsToF32((bits & 0xffff) << 16);
}

/** Encodes a number as bfloat16 bits via float32, rounding to nearest, ties to even. */
export function numberToBfloat16Bits(value: number): number {
  return f32ToBf16Bits(f32Bits(value));
}

/** Views a Float32Array's bits without copying (a Float32Array is always 4-byte aligned). */
function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Converts float16 bits to float32 values; exact, NaN payloads included. */
export function float16ToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = bitsOf(out);
  for (let i = 0; i < bits.length; i++) outBits[i] = f16ToF32Bits(bits[i] as number);
  return out;
}

/** Converts float32 values to float16 bits, rounding to nearest, ties to even. */
export function float32ToFloat16Array(values: Float32Array): Uint16Array {
  const inBits = bitsOf(values);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = f32ToF16Bits(inBits[i] as number);
  return out;
}

/** Converts bfloat16 bits to float32 values; exact, NaN payloads included. */
export function bfloat16ToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = bitsOf(out);
  for (let i = 0; i < bits.length; i++) outBits[i] = (bits[i] as number) << 16;
  return out;
}

/** Converts float32 values to bfloat16 bits, rounding to nearest, ties to even. */
export function float32ToBfloat16Array(values: Float32Array): Uint16Array {
  const inBits = bitsOf(values);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = f32ToBf16Bits(inBits[i] as number);
  return out;
}

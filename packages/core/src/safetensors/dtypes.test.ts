import { describe, expect, it } from 'vitest';
import {
  SAFETENSORS_DTYPE_SIZES,
  bfloat16BitsToNumber,
  bfloat16ToFloat32Array,
  float16BitsToNumber,
  float16ToFloat32Array,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  isSafetensorsDtype,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from './dtypes';
import { swapBytes } from './endian';

const bitsToF32 = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0] as number;
const f32Bits = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

/** Independent reference decoder: the binary16 formula evaluated in float64. */
function referenceF16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return exp === 0 ? sign * mant * 2 ** -24 : sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe('dtype table', () => {
  it('has the byte size of each dtype and recognizes only its own names', () => {
    expect(SAFETENSORS_DTYPE_SIZES).toMatchObject({ F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1 });
    expect(SAFETENSORS_DTYPE_SIZES).toMatchObject({ U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 });
    expect(isSafetensorsDtype('BF16')).toBe(true);
    for (const bad of ['f32', 'F8_E4M3', 'toString', '__proto__', 4, null]) expect(isSafetensorsDtype(bad)).toBe(false);
  });
});

describe('float16', () => {
  it('decodes known bit patterns', () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1);
    expect(float16BitsToNumber(0xc000)).toBe(-2);
    expect(float16BitsToNumber(0x7bff)).toBe(65504);
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24);
    expect(float16BitsToNumber(0x03ff)).toBe(1023 * 2 ** -24);
    expect(float16BitsToNumber(0x0400)).toBe(2 ** -14);
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
    expect(Object.is(float16BitsToNumber(0x0000), 0)).toBe(true);
    expect(float16BitsToNumber(0x7c00)).toBe(Infinity);
    expect(float16BitsToNumber(0xfc00)).toBe(-Infinity);
    expect(float16BitsToNumber(0x7e00)).toBeNaN();
    expect(float16BitsToNumber(0x7c01)).toBeNaN();
  });

  it('decodes all 65 536 patterns like the reference formula', () => {
    for (let h = 0; h < 0x10000; h++) {
      const got = float16BitsToNumber(h);
      const want = referenceF16(h);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else if (!Object.is(got, want)) expect([h, got]).toEqual([h, want]);
    }
  });

  it('encodes known values, rounding to nearest even', () => {
    expect(numberToFloat16Bits(1)).toBe(0x3c00);
    expect(numberToFloat16Bits(65504)).toBe(0x7bff);
    expect(numberToFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(numberToFloat16Bits(-0)).toBe(0x8000);
    expect(numberToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(numberToFloat16Bits(-Infinity)).toBe(0xfc00);
    expect(numberToFloat16Bits(0.1)).toBe(0x2e66);
    const nan = numberToFloat16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
    // Overflow: 65520 is halfway between 65504 and 2^16 (= ∞ in float16); the tie goes to even (∞).
    expect(numberToFloat16Bits(65519)).toBe(0x7bff);
    expect(numberToFloat16Bits(65520)).toBe(0x7c00);
    expect(numberToFloat16Bits(1e10)).toBe(0x7c00);
    expect(numberToFloat16Bits(-1e10)).toBe(0xfc00);
    // Ties in the normal range: 1 + 2^-11 → 1 (even), 1 + 3·2^-11 → 1 + 2^-9 (even), just above → up.
    expect(numberToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(numberToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(numberToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    // Subnormals: in units of 2^-24, 0.5 → 0 (even), 0.5+ → 1, 1.5 → 2, 2.5 → 2, 0.75 → 1.
    expect(numberToFloat16Bits(2 ** -25)).toBe(0x0000);
    expect(numberToFloat16Bits(-(2 ** -25))).toBe(0x8000);
    expect(numberToFloat16Bits(2 ** -25 * (1 + 2 ** -23))).toBe(0x0001);
    expect(numberToFloat16Bits(1.5 * 2 ** -24)).toBe(0x0002);
    expect(numberToFloat16Bits(2.5 * 2 ** -24)).toBe(0x0002);
    expect(numberToFloat16Bits(0.75 * 2 ** -24)).toBe(0x0001);
    expect(numberToFloat16Bits(1023 * 2 ** -24)).toBe(0x03ff);
    expect(numberToFloat16Bits(1023.5 * 2 ** -24)).toBe(0x0400); // rounds up into the smallest normal
    expect(numberToFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(numberToFloat16Bits(2 ** -140)).toBe(0x0000); // a float32 subnormal
  });

  it('round-trips every non-NaN pattern', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      const back = numberToFloat16Bits(float16BitsToNumber(h));
      if (back !== h) expect([h, back]).toEqual([h, h]);
    }
  });

  it('rounds random float32 values to the nearest float16, ties to even', () => {
    let state = 12345;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < 20_000; i++) {
      // Exponents around the float16 range, random sign and mantissa.
      const bits = ((next() & 0x80000000) | ((100 + (next() % 45)) << 23) | (next() & 0x7fffff)) >>> 0;
      const x = bitsToF32(bits);
      const h = numberToFloat16Bits(x);
      const got = referenceF16(h);
      const magnitude = h & 0x7fff;
      const neighbors = [magnitude - 1, magnitude + 1].filter((m) => m >= 0 && m <= 0x7c00);
      for (const m of neighbors) {
        const other = referenceF16((h & 0x8000) | m);
        const dGot = Math.abs(got - x);
        const dOther = Math.abs(other - x);
        // Beyond 65504 the comparison is against 2^16, the value ∞ stands for when rounding.
        const dOtherFinite = Number.isFinite(other) ? dOther : Math.abs(Math.sign(x) * 65536 - x);
        const dGotFinite = Number.isFinite(got) ? dGot : Math.abs(Math.sign(x) * 65536 - x);
        const ok = dGotFinite < dOtherFinite || (dGotFinite === dOtherFinite && (magnitude & 1) === 0);
        if (!ok) expect({ bits: bits.toString(16), h: h.toString(16) }).toBe('nearest-even');
      }
    }
  });

  it('converts arrays bit-exactly, keeping NaN payloads', () => {
    const halves = new Uint16Array([0x3c00, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7c01, 0xfe3f]);
    const floats = float16ToFloat32Array(halves);
    expect(f32Bits(floats)).toEqual([0x3f800000, 0x33800000, 0x80000000, 0x7f800000, 0xff800000, 0x7f802000, 0xffc7e000]);
    expect(Array.from(float32ToFloat16Array(floats))).toEqual(Array.from(halves));
    // A float32 NaN whose payload lies only in the low 13 bits must not become ∞.
    const lowPayload = new Float32Array(new Uint32Array([0x7f800001, 0xff800fff]).buffer);
    expect(Array.from(float32ToFloat16Array(lowPayload))).toEqual([0x7e00, 0xfe00]);
    // Works on a view with a non-zero byteOffset.
    const big = new Float32Array([9, 1, -2, 9]);
    expect(Array.from(float32ToFloat16Array(big.subarray(1, 3)))).toEqual([0x3c00, 0xc000]);
  });
});

describe('bfloat16', () => {
  it('decodes known bit patterns', () => {
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1);
    expect(bfloat16BitsToNumber(0xc040)).toBe(-3);
    expect(bfloat16BitsToNumber(0x7f7f)).toBe(3.3895313892515355e38);
    expect(bfloat16BitsToNumber(0x0001)).toBe(2 ** -133);
    expect(Object.is(bfloat16BitsToNumber(0x8000), -0)).toBe(true);
    expect(bfloat16BitsToNumber(0x7f80)).toBe(Infinity);
    expect(bfloat16BitsToNumber(0xff80)).toBe(-Infinity);
    expect(bfloat16BitsToNumber(0x7fc0)).toBeNaN();
  });

  it('encodes known values, rounding to nearest even', () => {
    expect(numberToBfloat16Bits(1)).toBe(0x3f80);
    expect(numberToBfloat16Bits(-0)).toBe(0x8000);
    expect(numberToBfloat16Bits(Infinity)).toBe(0x7f80);
    expect(numberToBfloat16Bits(-Infinity)).toBe(0xff80);
    expect(numberToBfloat16Bits(NaN)).toBe(0x7fc0);
    // 1 + 2^-8 is halfway between 1 (0x3f80) and 1 + 2^-7 (0x3f81): ties to even.
    expect(numberToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(numberToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(numberToBfloat16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    expect(numberToBfloat16Bits(1 + 2 ** -9)).toBe(0x3f80);
    // The largest float32 is past halfway to 2^128, so it rounds to ∞.
    expect(numberToBfloat16Bits(3.4028234663852886e38)).toBe(0x7f80);
    expect(numberToBfloat16Bits(3.3895313892515355e38)).toBe(0x7f7f);
    // Subnormals round too: 1.5·2^-133 → 2·2^-133 (even).
    expect(numberToBfloat16Bits(1.5 * 2 ** -133)).toBe(0x0002);
    expect(numberToBfloat16Bits(0.5 * 2 ** -133)).toBe(0x0000);
  });

  it('round-trips every non-NaN pattern', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0) continue;
      const back = numberToBfloat16Bits(bfloat16BitsToNumber(h));
      if (back !== h) expect([h, back]).toEqual([h, h]);
    }
  });

  it('converts arrays bit-exactly, keeping NaN payloads', () => {
    const halves = new Uint16Array([0x3f80, 0x8000, 0x7f80, 0x7f81, 0xffc5]);
    const floats = bfloat16ToFloat32Array(halves);
    expect(f32Bits(floats)).toEqual([0x3f800000, 0x80000000, 0x7f800000, 0x7f810000, 0xffc50000]);
    expect(Array.from(float32ToBfloat16Array(floats))).toEqual(Array.from(halves));
    const lowPayload = new Float32Array(new Uint32Array([0x7f800001, 0xff80ffff]).buffer);
    expect(Array.from(float32ToBfloat16Array(lowPayload))).toEqual([0x7fc0, 0xffc0]);
  });
});

describe('swapBytes', () => {
  it('reverses each element and is its own inverse', () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    swapBytes(bytes, 4);
    expect(Array.from(bytes)).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    swapBytes(bytes, 4);
    swapBytes(bytes, 2);
    expect(Array.from(bytes)).toEqual([2, 1, 4, 3, 6, 5, 8, 7]);
  });
});

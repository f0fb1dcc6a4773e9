import { describe, expect, it } from 'vitest';
import { CdmError, type CdmErrorCode } from '../errors';
import { float32ToBfloat16Array, float32ToFloat16Array, type SafetensorsDtype } from './dtypes';
import { readSafetensors, type SafetensorsTensor } from './read';
import { writeSafetensors, type SafetensorsTensorInput } from './write';

const bytesOf = (data: ArrayBufferView) => Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
/** A tensor's elements as a plain array (numbers, or bigints for 64-bit integers). */
const elements = (tensor: SafetensorsTensor) => Array.from(tensor.data as ArrayLike<number | bigint>);
const f32FromBits = (bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);

function expectError(fn: () => unknown, code: CdmErrorCode, ...fragments: string[]): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a CdmError').toBeInstanceOf(CdmError);
  expect((thrown as CdmError).code, (thrown as CdmError).message).toBe(code);
  for (const fragment of fragments) expect((thrown as CdmError).message).toContain(fragment);
}

/** One tensor of every dtype, with edge values (NaN payloads, -0, subnormals, extremes). */
const EVERY_DTYPE: Record<string, SafetensorsTensorInput & { expectDtype: SafetensorsDtype }> = {
  f64: {
    shape: [2, 3],
    data: new Float64Array(
      new BigUint64Array([
        0x7ff0000000000001n, // signalling NaN, payload 1
        0xfff8000000abcdefn, // negative quiet NaN with a payload
        0x8000000000000000n, // -0
        1n, // smallest subnormal
        0x7ff0000000000000n, // +∞
        0x3ff0000000000000n, // 1
      ]).buffer,
    ),
    expectDtype: 'F64',
  },
  f32: {
    shape: [7],
    data: f32FromBits([0x7f800001, 0xffc12345, 0x7fbfffff, 0x80000000, 0x00000001, 0xff800000, 0x3f800000]),
    expectDtype: 'F32',
  },
  f16: { shape: [5], data: new Uint16Array([0x7c01, 0xfe3f, 0x8000, 0x0001, 0x3c00]), dtype: 'F16', expectDtype: 'F16' },
  bf16: { shape: [1, 4], data: new Uint16Array([0x7f81, 0xffc5, 0x0001, 0x3f80]), dtype: 'BF16', expectDtype: 'BF16' },
  i64: { shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, -1n]), expectDtype: 'I64' },
  i32: { shape: [3], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0]), expectDtype: 'I32' },
  i16: { shape: [3], data: new Int16Array([-32768, 32767, -1]), expectDtype: 'I16' },
  i8: { shape: [3], data: new Int8Array([-128, 127, -1]), expectDtype: 'I8' },
  u64: { shape: [2], data: new BigUint64Array([2n ** 64n - 1n, 0n]), expectDtype: 'U64' },
  u32: { shape: [2], data: new Uint32Array([2 ** 32 - 1, 1]), expectDtype: 'U32' },
  u16: { shape: [3], data: new Uint16Array([65535, 1, 256]), expectDtype: 'U16' },
  u8: { shape: [3], data: new Uint8Array([255, 0, 7]), expectDtype: 'U8' },
  bool: { shape: [3], data: new Uint8Array([1, 0, 1]), dtype: 'BOOL', expectDtype: 'BOOL' },
  scalar: { shape: [], data: new Float32Array([2.5]), expectDtype: 'F32' },
  empty: { shape: [0, 4], data: new Int8Array(0), expectDtype: 'I8' },
};

describe('writeSafetensors', () => {
  it('round-trips every dtype bit-exactly, NaN payloads included', () => {
    const file = readSafetensors(writeSafetensors(EVERY_DTYPE, { format: 'pt' }));
    expect(file.metadata).toEqual({ format: 'pt' });
    expect([...file.tensors.keys()]).toEqual(Object.keys(EVERY_DTYPE).sort());
    for (const [name, input] of Object.entries(EVERY_DTYPE)) {
      const tensor = file.tensors.get(name) as SafetensorsTensor;
      expect(tensor.dtype, name).toBe(input.expectDtype);
      expect(tensor.shape, name).toEqual(input.shape);
      expect(tensor.data.constructor, name).toBe(input.data.constructor);
      expect(bytesOf(tensor.data), name).toEqual(bytesOf(input.data));
    }
    // The NaN payloads in particular, read back as bits.
    const f32 = file.tensors.get('f32') as SafetensorsTensor;
    expect(Array.from(new Uint32Array(f32.data.buffer)).slice(0, 3)).toEqual([0x7f800001, 0xffc12345, 0x7fbfffff]);
  });

  it('writes the exact expected bytes for a small file', () => {
    const bytes = writeSafetensors({ x: { shape: [1], data: new Float32Array([1]) } });
    const json = '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'; // 54 bytes, + 2 spaces → 56
    const expected = [56, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode(json), 0x20, 0x20, 0x00, 0x00, 0x80, 0x3f];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it('is deterministic: sorted names and metadata keys, 8-byte aligned data, space padding', () => {
    const a = { shape: [3], data: new Int16Array([1, 2, 3]) };
    const b = { shape: [1], data: new Float64Array([Math.PI]) };
    const c = { shape: [2], data: new Uint8Array([9, 8]) };
    const one = writeSafetensors({ b, c, a }, { z: '1', a: '2', '10': '3' });
    const two = writeSafetensors(
      new Map<string, SafetensorsTensorInput>([
        ['c', c],
        ['a', a],
        ['b', b],
      ]),
      { '10': '3', z: '1', a: '2' },
    );
    expect(Array.from(two)).toEqual(Array.from(one));
    const headerLength = Number(new DataView(one.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const text = new TextDecoder().decode(one.subarray(8, 8 + headerLength));
    expect(text).toMatch(/^\{"__metadata__":\{"10":"3","a":"2","z":"1"\},"a":.*,"b":.*,"c":.*\} *$/);
    expect(text.trimEnd().length).toBeGreaterThan(headerLength - 8);
    const file = readSafetensors(one);
    expect([...file.tensors.keys()]).toEqual(['a', 'b', 'c']);
    expect(one.length).toBe(8 + headerLength + 6 + 8 + 2);
  });

  it('sorts names by code units, not by locale', () => {
    const t = { shape: [0], data: new Uint8Array(0) };
    const file = readSafetensors(writeSafetensors([['b', t], ['B', t], ['é', t], ['a10', t], ['a9', t]]));
    expect([...file.tensors.keys()]).toEqual(['B', 'a10', 'a9', 'b', 'é']);
  });

  it('accepts a record, a Map, an array of pairs and a generator', () => {
    const t = { shape: [2], data: new Int32Array([1, 2]) };
    function* pairs(): Generator<[string, SafetensorsTensorInput]> {
      yield ['t', t];
    }
    const reference = Array.from(writeSafetensors({ t }));
    expect(Array.from(writeSafetensors(new Map([['t', t]])))).toEqual(reference);
    expect(Array.from(writeSafetensors([['t', t]]))).toEqual(reference);
    expect(Array.from(writeSafetensors(pairs()))).toEqual(reference);
  });

  it('converts float32 to F16 and BF16, rounding to nearest even', () => {
    const values = new Float32Array([1, 1 + 2 ** -11, 65520, -0, 0.1, NaN]);
    const file = readSafetensors(
      writeSafetensors({ h: { shape: [6], data: values, dtype: 'F16' }, b: { shape: [2, 3], data: values, dtype: 'BF16' } }),
    );
    const h = file.tensors.get('h') as SafetensorsTensor;
    expect(h.dtype).toBe('F16');
    expect(elements(h)).toEqual(Array.from(float32ToFloat16Array(values)));
    expect(elements(h).slice(0, 5)).toEqual([0x3c00, 0x3c00, 0x7c00, 0x8000, 0x2e66]);
    const b = file.tensors.get('b') as SafetensorsTensor;
    expect(b.dtype).toBe('BF16');
    expect(elements(b)).toEqual(Array.from(float32ToBfloat16Array(values)));
    expect(elements(b)[0]).toBe(0x3f80);
  });

  it('writes only the elements of a subarray view, and does not modify its input', () => {
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    const view = backing.subarray(1, 4);
    const file = readSafetensors(writeSafetensors({ v: { shape: [3], data: view } }));
    expect(elements(file.tensors.get('v') as SafetensorsTensor)).toEqual([1, 2, 3]);
    expect(Array.from(backing)).toEqual([9, 1, 2, 3, 9]);
    const bytes = new Uint8Array([7, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const u8 = readSafetensors(writeSafetensors({ u: { shape: [2], data: bytes.subarray(1, 3), dtype: 'BOOL' } }));
    expect(elements(u8.tensors.get('u') as SafetensorsTensor)).toEqual([0, 1]);
  });

  it('keeps unusual names and metadata keys as ordinary keys', () => {
    const t = { shape: [1], data: new Uint8Array([5]) };
    const file = readSafetensors(
      writeSafetensors({ ['__proto__']: t, 'a "quoted"\n name': t, 'ü/中': t } as Record<string, SafetensorsTensorInput>, {
        ['__proto__']: 'p',
        'ключ': 'значение',
      }),
    );
    expect([...file.tensors.keys()].sort()).toEqual(['__proto__', 'a "quoted"\n name', 'ü/中'].sort());
    expect(Object.entries(file.metadata)).toEqual([
      ['__proto__', 'p'],
      ['ключ', 'значение'],
    ]);
  });

  it('omits empty metadata and writes an empty file', () => {
    const bytes = writeSafetensors({}, {});
    expect(new TextDecoder().decode(bytes.subarray(8))).toBe('{}      ');
    expect(readSafetensors(bytes).tensors.size).toBe(0);
  });

  describe('validation', () => {
    const I = 'CDM_INVALID_ARGUMENT';
    const ok = { shape: [2], data: new Float32Array(2) };

    it('rejects bad names', () => {
      expectError(() => writeSafetensors({ '': ok }), I, 'tensor name', '""');
      expectError(() => writeSafetensors({ __metadata__: ok }), I, 'tensor name', '"__metadata__"');
      expectError(() => writeSafetensors([['x', ok], ['x', ok]]), I, 'unique', '"x"');
      expectError(() => writeSafetensors([[5 as unknown as string, ok]]), I, 'tensor name');
      expectError(() => writeSafetensors({ 'bad\uD800': ok }), I, 'unpaired surrogates');
    });

    it('rejects malformed tensors arguments', () => {
      expectError(() => writeSafetensors(null as unknown as Record<string, SafetensorsTensorInput>), I, 'tensors');
      expectError(() => writeSafetensors([['x']] as unknown as [string, SafetensorsTensorInput][]), I, 'pair');
      expectError(() => writeSafetensors({ x: null as unknown as SafetensorsTensorInput }), I, 'tensor "x"');
    });

    it('rejects shapes that do not match the data', () => {
      const x = { shape: [3], data: new Float32Array(2) };
      expectError(() => writeSafetensors({ x }), I, 'tensor "x" shape', 'data.length = 2', '[3]');
      expectError(() => writeSafetensors({ x: { shape: [], data: new Float32Array(2) } }), I, 'tensor "x" shape');
      expectError(() => writeSafetensors({ x: { shape: [-1, -2], data: new Float32Array(2) } }), I, 'non-negative integers');
      expectError(() => writeSafetensors({ x: { shape: [1.5], data: new Float32Array(2) } }), I, 'non-negative integers');
      expectError(() => writeSafetensors({ x: { shape: '2' as unknown as number[], data: new Float32Array(2) } }), I, 'shape');
    });

    it('rejects data that is not a supported typed array', () => {
      const cases: unknown[] = [[1, 2], new DataView(new ArrayBuffer(8)), new Uint8ClampedArray(2), undefined];
      for (const data of cases) {
        expectError(() => writeSafetensors({ x: { shape: [2], data: data as Float32Array } }), I, 'tensor "x" data', 'typed array');
      }
    });

    it('rejects a dtype the data cannot be written as', () => {
      const x = { shape: [2], data: new Int32Array(2), dtype: 'F32' } as const;
      expectError(() => writeSafetensors({ x }), I, 'tensor "x" dtype', 'I32 for Int32Array');
      expectError(() => writeSafetensors({ x: { ...ok, data: new Float64Array(2), dtype: 'F16' } }), I, 'F64 for Float64Array');
      expectError(() => writeSafetensors({ x: { ...ok, dtype: 'F8' as SafetensorsDtype } }), I, '"F8"', 'F32, F16, BF16');
      expectError(() => writeSafetensors({ x: { shape: [2], data: new Uint8Array([0, 2]), dtype: 'BOOL' } }), I, 'BOOL', 'got 2');
    });

    it('rejects metadata that is not a record of strings', () => {
      expectError(() => writeSafetensors({}, { a: 1 } as unknown as Record<string, string>), I, 'metadata["a"]');
      expectError(() => writeSafetensors({}, ['x'] as unknown as Record<string, string>), I, 'metadata');
      expectError(() => writeSafetensors({}, { a: '\uDC00' }), I, 'metadata["a"]', 'unpaired');
    });
  });
});

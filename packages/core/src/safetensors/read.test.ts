import { describe, expect, it } from 'vitest';
import { CdmError, isCdmError, type CdmErrorCode } from '../errors';
import { SAFETENSORS_MAX_HEADER_BYTES, readSafetensors, toFloat32, type SafetensorsTensor } from './read';

/**
 * Written by fixtures/make-fixture.py (Python struct + json only, independent of this code):
 * metadata {format: "pt", note: "cdm fixture é"}; a.f32 F32 [2,2]; b.f16 F16 [5]; c.bf16 BF16 [3];
 * d.i64 I64 [3,1]; e.scalar I32 []. The data section is in the order d, b, e, a, c.
 */
const FIXTURE_BASE64 = [
  'aAEAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCIsIm5vdGUiOiJjZG0gZml4dHVyZSDDqSJ9LCJkLmk2NCI6',
  'eyJkdHlwZSI6Ikk2NCIsInNoYXBlIjpbMywxXSwiZGF0YV9vZmZzZXRzIjpbMCwyNF19LCJiLmYxNiI6eyJkdHlwZSI6IkYx',
  'NiIsInNoYXBlIjpbNV0sImRhdGFfb2Zmc2V0cyI6WzI0LDM0XX0sImUuc2NhbGFyIjp7ImR0eXBlIjoiSTMyIiwic2hhcGUi',
  'OltdLCJkYXRhX29mZnNldHMiOlszNCwzOF19LCJhLmYzMiI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbMiwyXSwiZGF0YV9v',
  'ZmZzZXRzIjpbMzgsNTRdfSwiYy5iZjE2Ijp7ImR0eXBlIjoiQkYxNiIsInNoYXBlIjpbM10sImRhdGFfb2Zmc2V0cyI6WzU0',
  'LDYwXX19ICD//////////wEAAAAAACAAKgAAAAAAAAAAPP97AIABAAC++f///wAAgD8AACDAAAAgPv//f3+AP0DAgAA=',
].join('');

/** A tensor's elements as a plain array (numbers, or bigints for 64-bit integers). */
const elements = (tensor: SafetensorsTensor) => Array.from(tensor.data as ArrayLike<number | bigint>);

const fixture = () => new Uint8Array(Buffer.from(FIXTURE_BASE64, 'base64'));

/** Builds a file from a header (object, or raw JSON text) and a data section of `data` bytes. */
function build(header: unknown, data: number | Uint8Array = 0, options: { claimed?: bigint } = {}): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, options.claimed ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

/** Asserts `fn` throws a CdmError with `code` whose message contains every fragment. */
function expectError(fn: () => unknown, code: CdmErrorCode, ...fragments: string[]): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a CdmError').toBeInstanceOf(CdmError);
  const error = thrown as CdmError;
  expect(error.code, error.message).toBe(code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

function checkFixture(file: ReturnType<typeof readSafetensors>): void {
  expect(file.metadata).toEqual({ format: 'pt', note: 'cdm fixture é' });
  expect([...file.tensors.keys()]).toEqual(['d.i64', 'b.f16', 'e.scalar', 'a.f32', 'c.bf16']);
  const get = (name: string) => file.tensors.get(name) as SafetensorsTensor;

  const a = get('a.f32');
  expect(a.dtype).toBe('F32');
  expect(a.shape).toEqual([2, 2]);
  expect(a.data).toBeInstanceOf(Float32Array);
  expect(elements(a)).toEqual([1, -2.5, 0.15625, 3.4028234663852886e38]);

  const b = get('b.f16');
  expect(b.dtype).toBe('F16');
  expect(b.shape).toEqual([5]);
  expect(b.data).toBeInstanceOf(Uint16Array);
  expect(elements(b)).toEqual([0x3c00, 0x7bff, 0x8000, 0x0001, 0xbe00]);
  expect(Array.from(toFloat32(b))).toEqual([1, 65504, -0, 2 ** -24, -1.5]);
  expect(Object.is(toFloat32(b)[2], -0)).toBe(true);

  const c = get('c.bf16');
  expect(c.dtype).toBe('BF16');
  expect(elements(c)).toEqual([0x3f80, 0xc040, 0x0080]);
  expect(Array.from(toFloat32(c))).toEqual([1, -3, 2 ** -126]);

  const d = get('d.i64');
  expect(d.dtype).toBe('I64');
  expect(d.shape).toEqual([3, 1]);
  expect(d.data).toBeInstanceOf(BigInt64Array);
  expect(elements(d)).toEqual([-1n, 2n ** 53n + 1n, 42n]);

  const e = get('e.scalar');
  expect(e.dtype).toBe('I32');
  expect(e.shape).toEqual([]);
  expect(elements(e)).toEqual([-7]);
}

describe('readSafetensors', () => {
  it('decodes a fixture written independently by Python struct/json', () => {
    checkFixture(readSafetensors(fixture()));
  });

  it('reads a subarray at an odd byteOffset, and copies the data out', () => {
    const bytes = fixture();
    for (const offset of [1, 3, 5, 7]) {
      const big = new Uint8Array(bytes.length + 16).fill(0xee);
      big.set(bytes, offset);
      const file = readSafetensors(big.subarray(offset, offset + bytes.length));
      checkFixture(file);
      big.fill(0); // the tensors must not alias the input
      checkFixture(file);
      for (const tensor of file.tensors.values()) {
        expect(tensor.data.byteOffset).toBe(0);
        expect(tensor.data.buffer.byteLength).toBe(tensor.data.byteLength);
      }
    }
  });

  it('reads an empty file, zero-size tensors and metadata only', () => {
    expect(readSafetensors(build({})).tensors.size).toBe(0);
    expect(readSafetensors(build('{}      ')).metadata).toEqual({});
    const tensors = { empty: f32([2, 0, 3], 0, 0), one: f32([1], 0, 4), z: f32([0], 4, 4) };
    const file = readSafetensors(build(`{"__metadata__":{"__proto__":"x"},${JSON.stringify(tensors).slice(1)}`, 4));
    expect(Object.keys(file.metadata)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(file.metadata)).toBe(Object.prototype);
    expect([...file.tensors.keys()]).toEqual(['empty', 'one', 'z']);
    expect(file.tensors.get('empty')?.data.length).toBe(0);
    expect(file.tensors.get('empty')?.shape).toEqual([2, 0, 3]);
  });

  it('returns frozen results', () => {
    const file = readSafetensors(fixture());
    expect(Object.isFrozen(file)).toBe(true);
    expect(Object.isFrozen(file.metadata)).toBe(true);
    const tensor = file.tensors.get('a.f32') as SafetensorsTensor;
    expect(Object.isFrozen(tensor)).toBe(true);
    expect(Object.isFrozen(tensor.shape)).toBe(true);
  });

  it('rejects arguments that are not a Uint8Array', () => {
    expectError(() => readSafetensors([1, 2, 3] as unknown as Uint8Array), 'CDM_INVALID_ARGUMENT', 'bytes');
    expectError(() => readSafetensors(new ArrayBuffer(16) as unknown as Uint8Array), 'CDM_INVALID_ARGUMENT');
  });

  describe('corruption', () => {
    const C = 'CDM_SAFETENSORS_CORRUPT';

    it('a file shorter than the 8-byte length prefix', () => {
      expectError(() => readSafetensors(new Uint8Array(0)), C, '0 bytes');
      expectError(() => readSafetensors(new Uint8Array(7)), C, '7 bytes', 'shorter');
    });

    it('a header length beyond the file or beyond 100 MiB, without allocating', () => {
      expectError(() => readSafetensors(build({}, 0, { claimed: 3n })), C, 'header length 3 exceeds the 2 bytes');
      expectError(() => readSafetensors(build({}, 0, { claimed: 2n ** 40n })), C, `${2 ** 40}`, 'limit');
      expectError(() => readSafetensors(build({}, 0, { claimed: 2n ** 64n - 1n })), C, 'limit');
      const limit = BigInt(SAFETENSORS_MAX_HEADER_BYTES);
      expectError(() => readSafetensors(build({}, 0, { claimed: limit + 1n })), C, 'limit');
      expectError(() => readSafetensors(build({}, 0, { claimed: limit })), C, 'truncated');
    });

    it('a header that is not UTF-8, not JSON, or not an object', () => {
      const latin1 = build('{"a":1}');
      latin1[10] = 0xff;
      expectError(() => readSafetensors(latin1), C, 'not valid UTF-8');
      const bom = new Uint8Array([...new Uint8Array(8), 0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
      bom[0] = 5;
      expectError(() => readSafetensors(bom), C, 'not valid JSON');
      expectError(() => readSafetensors(build('{nope')), C, 'not valid JSON');
      expectError(() => readSafetensors(build('')), C, 'not valid JSON');
      expectError(() => readSafetensors(build('{} {}')), C, 'not valid JSON');
      expectError(() => readSafetensors(build('[]')), C, 'not a JSON object');
      expectError(() => readSafetensors(build('null')), C, 'null, not a JSON object');
      expectError(() => readSafetensors(build('42')), C, 'not a JSON object');
    });

    it('an entry that is not an object', () => {
      expectError(() => readSafetensors(build({ w: 5 })), C, 'tensor "w" is 5, not an object');
      expectError(() => readSafetensors(build({ w: null })), C, 'tensor "w"', 'not an object');
      expectError(() => readSafetensors(build({ w: [] })), C, 'tensor "w"', 'not an object');
    });

    it('an unknown or malformed dtype', () => {
      const entry = (dtype: unknown) => ({ w: { dtype, shape: [1], data_offsets: [0, 1] } });
      expectError(() => readSafetensors(build(entry('F8_E4M3'), 1)), 'CDM_SAFETENSORS_UNSUPPORTED', 'tensor "w"', '"F8_E4M3"');
      expectError(() => readSafetensors(build(entry('f32'), 1)), 'CDM_SAFETENSORS_UNSUPPORTED', 'tensor "w"', '"f32"');
      expectError(() => readSafetensors(build(entry('toString'), 1)), 'CDM_SAFETENSORS_UNSUPPORTED', 'toString');
      expectError(() => readSafetensors(build(entry(32), 1)), C, 'tensor "w" has dtype 32');
      expectError(() => readSafetensors(build({ w: { shape: [1], data_offsets: [0, 1] } }, 1)), C, 'tensor "w"', 'dtype');
    });

    it('a shape that is not an array of non-negative safe integers', () => {
      for (const shape of [undefined, '4', [-1], [1.5], ['2'], [null], [2 ** 53], { 0: 1 }]) {
        const header = { w: { dtype: 'U8', shape, data_offsets: [0, 1] } };
        expectError(() => readSafetensors(build(header, 1)), C, 'tensor "w" has shape');
      }
    });

    it('data_offsets that are not two ordered non-negative integers', () => {
      for (const offsets of [undefined, [0], [0, 1, 2], [-1, 0], [0, 0.5], ['0', '1'], [0, 2 ** 53], '0,1']) {
        const header = { w: { dtype: 'U8', shape: [0], data_offsets: offsets } };
        expectError(() => readSafetensors(build(header, 1)), C, 'tensor "w" has data_offsets');
      }
      expectError(() => readSafetensors(build({ w: f32([0], 4, 0) }, 4)), C, 'tensor "w"', 'begin after end');
    });

    it('a tensor ending beyond the data section', () => {
      expectError(() => readSafetensors(build({ w: f32([2], 0, 8) }, 7)), C, 'tensor "w" ends at byte 8 of a 7-byte');
    });

    it('a byte count that does not match the shape and dtype', () => {
      expectError(() => readSafetensors(build({ w: f32([3], 0, 8) }, 8)), C, 'tensor "w" has 8 bytes', 'F32 shape [3]');
      expectError(() => readSafetensors(build({ w: f32([], 0, 0) }, 0)), C, 'tensor "w" has 0 bytes');
      // A product beyond 2^53 can never match (and must not be trusted as a float).
      const huge = { w: { dtype: 'F64', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 8] } };
      expectError(() => readSafetensors(build(huge, 8)), C, 'tensor "w"');
    });

    it('overlapping tensors', () => {
      expectError(() => readSafetensors(build({ x: f32([2], 0, 8), y: f32([1], 4, 8) }, 8)), C, '"y"', 'overlaps', '"x"');
      expectError(() => readSafetensors(build({ x: f32([1], 0, 4), y: f32([1], 0, 4) }, 4)), C, '"y"', 'overlaps', '"x"');
      // A zero-size tensor inside another one is rejected too, as by the reference implementation.
      expectError(() => readSafetensors(build({ x: f32([2], 0, 8), y: f32([0], 4, 4) }, 8)), C, '"y"', 'overlaps');
    });

    it('gaps or unused bytes in the data section', () => {
      expectError(() => readSafetensors(build({ x: f32([1], 4, 8) }, 8)), C, 'tensor "x" starts at byte 4', 'unused');
      expectError(() => readSafetensors(build({ x: f32([1], 0, 4), y: f32([1], 8, 12) }, 12)), C, 'tensor "y"', '4…7');
      expectError(() => readSafetensors(build({ x: f32([1], 0, 4) }, 6)), C, '2 unused bytes follow tensor "x"');
      expectError(() => readSafetensors(build({}, 3)), C, '3 unused bytes follow no tensor');
    });

    it('metadata that is not an object of strings', () => {
      expectError(() => readSafetensors(build({ __metadata__: { a: 'b', n: 1 } })), C, '__metadata__', '"n"', 'not a string');
      expectError(() => readSafetensors(build({ __metadata__: { a: null } })), C, '"a"', 'not a string');
      expectError(() => readSafetensors(build({ __metadata__: ['a'] })), C, '__metadata__', 'not an object');
      expectError(() => readSafetensors(build({ __metadata__: 'a' })), C, '__metadata__', 'not an object');
    });

    it('a file truncated at any position', () => {
      const bytes = fixture();
      for (let cut = 0; cut < bytes.length; cut++) {
        expectError(() => readSafetensors(bytes.subarray(0, cut)), C);
        expectError(() => readSafetensors(bytes.slice(0, cut)), C);
      }
    });

    it('random byte corruption gives a CdmError or a valid file, never another error', () => {
      const original = fixture();
      let state = 987654321;
      const next = (n: number) => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % n;
      for (let trial = 0; trial < 3000; trial++) {
        const bytes = original.slice();
        const flips = 1 + next(3);
        for (let f = 0; f < flips; f++) bytes[next(bytes.length)] = next(256);
        try {
          readSafetensors(bytes);
        } catch (error) {
          if (!isCdmError(error)) throw error;
        }
      }
    });
  });
});

describe('toFloat32', () => {
  const tensor = (t: SafetensorsTensor) => t;

  it('converts every dtype to float32', () => {
    expect(Array.from(toFloat32(tensor({ dtype: 'F64', shape: [2], data: new Float64Array([0.1, -1e300]) })))).toEqual([
      Math.fround(0.1),
      -Infinity,
    ]);
    expect(Array.from(toFloat32(tensor({ dtype: 'I32', shape: [2], data: new Int32Array([-5, 2 ** 30]) })))).toEqual([-5, 2 ** 30]);
    expect(Array.from(toFloat32(tensor({ dtype: 'I16', shape: [1], data: new Int16Array([-300]) })))).toEqual([-300]);
    expect(Array.from(toFloat32(tensor({ dtype: 'I8', shape: [1], data: new Int8Array([-128]) })))).toEqual([-128]);
    expect(Array.from(toFloat32(tensor({ dtype: 'U8', shape: [1], data: new Uint8Array([255]) })))).toEqual([255]);
    expect(Array.from(toFloat32(tensor({ dtype: 'U16', shape: [1], data: new Uint16Array([65535]) })))).toEqual([65535]);
    expect(Array.from(toFloat32(tensor({ dtype: 'U32', shape: [1], data: new Uint32Array([2 ** 32 - 1]) })))).toEqual([2 ** 32]);
    expect(Array.from(toFloat32(tensor({ dtype: 'BOOL', shape: [3], data: new Uint8Array([0, 1, 7]) })))).toEqual([0, 1, 1]);
    expect(Array.from(toFloat32(tensor({ dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) })))).toEqual([1]);
    expect(Array.from(toFloat32(tensor({ dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) })))).toEqual([1]);
    const i64 = new BigInt64Array([-(2n ** 53n), 2n ** 53n, 3n]);
    expect(Array.from(toFloat32(tensor({ dtype: 'I64', shape: [3], data: i64 })))).toEqual([-(2 ** 53), 2 ** 53, 3]);
    const u64 = new BigUint64Array([2n ** 53n]);
    expect(Array.from(toFloat32(tensor({ dtype: 'U64', shape: [1], data: u64 })))).toEqual([2 ** 53]);
  });

  it('returns a copy for F32, keeping the bits', () => {
    const data = new Float32Array(new Uint32Array([0x7fc12345, 0x3f800000]).buffer);
    const out = toFloat32({ dtype: 'F32', shape: [2], data });
    expect(out).not.toBe(data);
    expect(Array.from(new Uint32Array(out.buffer))).toEqual([0x7fc12345, 0x3f800000]);
  });

  it('rejects 64-bit integers beyond ±2^53, naming the tensor', () => {
    const file = readSafetensors(fixture());
    const d = file.tensors.get('d.i64') as SafetensorsTensor;
    expectError(() => toFloat32(d, 'd.i64'), 'CDM_SAFETENSORS_UNSUPPORTED', '"d.i64"', '9007199254740993', 'index 1');
    const low = new BigInt64Array([-(2n ** 53n) - 1n]);
    expectError(() => toFloat32({ dtype: 'I64', shape: [1], data: low }), 'CDM_SAFETENSORS_UNSUPPORTED', '"tensor"');
    const u64 = new BigUint64Array([2n ** 64n - 1n]);
    expectError(() => toFloat32({ dtype: 'U64', shape: [1], data: u64 }), 'CDM_SAFETENSORS_UNSUPPORTED', 'U64');
  });

  it('rejects an unknown dtype', () => {
    const bad = { dtype: 'F8', shape: [1], data: new Uint8Array(1) } as unknown as SafetensorsTensor;
    expectError(() => toFloat32(bad), 'CDM_INVALID_ARGUMENT', 'dtype');
  });
});

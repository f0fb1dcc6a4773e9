import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCdmError } from '../errors';
import { createRng } from '../rng';
import { toFloat32, type SafetensorsTensor } from '../safetensors/read';
import { isTorchCheckpoint, readTorchCheckpoint } from './read';
import { op, pickle, stateDictArchive, tensorPickle, zipArchive } from './testing-archive';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const expected = JSON.parse(readFileSync(new URL('./fixtures/small-expected.json', import.meta.url), 'utf8')) as Record<
  string,
  { dtype: string; shape: number[]; values: number[] }
>;

const values = (t: SafetensorsTensor) =>
  t.dtype === 'I64' || t.dtype === 'U64' ? Array.from(t.data, Number) : t.dtype === 'F64' ? Array.from(t.data) : Array.from(toFloat32(t));
const f32Bytes = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

function expectCode(run: () => unknown, code: string, message?: RegExp): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a coded error').toBeDefined();
  expect(isCdmError(thrown), `expected a CdmError, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
  if (message !== undefined) expect((thrown as Error).message).toMatch(message);
}

describe('readTorchCheckpoint: files torch.save wrote (torch 1.13)', () => {
  it.each(['small-p2.pt', 'small-p4.pt', 'small-p5.pt'])('%s: every dtype, views, shared storages, parameters, nested values', (file) => {
    const bytes = fixture(file);
    expect(isTorchCheckpoint(bytes)).toBe(true);
    const { tensors, metadata } = readTorchCheckpoint(bytes);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [name, want] of Object.entries(expected)) {
      const tensor = tensors.get(name)!;
      expect(tensor.dtype, name).toBe(want.dtype);
      expect(tensor.shape, name).toEqual(want.shape);
      expect(values(tensor), name).toEqual(want.values);
    }
    // Contiguous copies of their own: a view is not a window onto another tensor's storage.
    expect(tensors.get('shared_a')!.data.buffer).not.toBe(tensors.get('shared_b')!.data.buffer);
    expect(tensors.get('transposed')!.data.length).toBe(12);
    expect(metadata).toEqual({ 'extra.step': '7', 'extra.note': 'hi', 'extra.flag': 'true', 'extra.none': 'null', 'extra.lr': '0.5', 'extra.big': String(2 ** 40) });
  });

  it('refuses the legacy (torch < 1.6) format with what to do', () => {
    const legacy = fixture('small-legacy.pt');
    expect(isTorchCheckpoint(legacy)).toBe(true);
    expectCode(() => readTorchCheckpoint(legacy), 'CDM_TORCH_CHECKPOINT_UNSUPPORTED', /legacy format of torch < 1\.6\. Re-save it with torch ≥ 1\.6/);
  });

  it('checks CRC-32s unless told not to', () => {
    const bytes = fixture('small-p2.pt').slice();
    // Flip a bit of the f32 tensor's first element (storage "0" holds it; find its bytes).
    const needle = f32Bytes([-1, -0.5, 0]);
    const at = bytes.findIndex((_, i) => needle.every((b, j) => bytes[i + j] === b));
    expect(at).toBeGreaterThan(0);
    bytes[at + 3] = bytes[at + 3]! ^ 0x01;
    expectCode(() => readTorchCheckpoint(bytes), 'CDM_TORCH_CHECKPOINT_CORRUPT', /fails its CRC-32 check/);
    const unchecked = readTorchCheckpoint(bytes, { verifyChecksums: false });
    expect(values(unchecked.tensors.get('f32')!)[0]).not.toBe(-1);
  });
});

describe('readTorchCheckpoint: hostile and broken files', () => {
  it('refuses GLOBAL os system + REDUCE without running anything, naming the global', () => {
    const evil = pickle(op.global('os', 'system'), op.tuple(op.str('echo pwned')), op.reduce);
    expectCode(() => readTorchCheckpoint(zipArchive([['archive/data.pkl', evil]])), 'CDM_UNSAFE_PICKLE', /asks for the global os\.system \(at byte 2\)/);
    // The same through protocol 4's STACK_GLOBAL, and other classics.
    const stackGlobal = Uint8Array.from([0x80, 0x04, ...op.str('builtins'), ...op.str('eval'), 0x93, ...op.tuple(op.str('1')), ...op.reduce, 0x2e]);
    expectCode(() => readTorchCheckpoint(zipArchive([['archive/data.pkl', stackGlobal]])), 'CDM_UNSAFE_PICKLE', /builtins\.eval/);
    const popen = pickle(op.global('subprocess', 'Popen'));
    expectCode(() => readTorchCheckpoint(zipArchive([['archive/data.pkl', popen]])), 'CDM_UNSAFE_PICKLE', /subprocess\.Popen/);
    const loadFromBytes = pickle(op.global('torch.storage', '_load_from_bytes'));
    expectCode(() => readTorchCheckpoint(zipArchive([['archive/data.pkl', loadFromBytes]])), 'CDM_UNSAFE_PICKLE', /torch\.storage\._load_from_bytes/);
  });

  it('refuses opcodes that build objects, unknown opcodes, and calls of non-callable globals', () => {
    const archive = (p: Uint8Array) => zipArchive([['archive/data.pkl', p]]);
    const unknown = Uint8Array.from([0x80, 0x05, 0x95, ...Array(8).fill(0), 0x7d, 0xff, 0x2e]);
    expectCode(() => readTorchCheckpoint(archive(unknown)), 'CDM_UNSAFE_PICKLE', /unknown opcode 0xff at byte 12/);
    const newobj = pickle(op.global('collections', 'OrderedDict'), op.emptyTuple, [0x81]);
    expectCode(() => readTorchCheckpoint(archive(newobj)), 'CDM_UNSAFE_PICKLE', /NEWOBJ at byte \d+, which builds arbitrary objects/);
    const callStorage = pickle(op.global('torch', 'FloatStorage'), op.emptyTuple, op.reduce);
    expectCode(() => readTorchCheckpoint(archive(callStorage)), 'CDM_UNSAFE_PICKLE', /calls torch\.FloatStorage/);
    const buildList = pickle([0x5d], op.emptyDict, op.build);
    expectCode(() => readTorchCheckpoint(archive(buildList)), 'CDM_UNSAFE_PICKLE', /sets the state of a list/);
    expectCode(() => readTorchCheckpoint(archive(Uint8Array.from([0x80, 0x06, 0x7d, 0x2e]))), 'CDM_UNSAFE_PICKLE', /protocol 6/);
  });

  it('refuses a storage that declares far more elements than its entry (or the file) holds, before allocating', () => {
    const bytes = stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 2 ** 30, shape: [2 ** 15, 2 ** 15], stride: [2 ** 15, 1] }, f32Bytes([1, 2]));
    expectCode(() => readTorchCheckpoint(bytes), 'CDM_TORCH_CHECKPOINT_CORRUPT', /declares 1073741824 F32 elements \(4294967296 bytes\), but archive\/data\/0 holds 8 bytes/);
    // A view reaching past its storage, and a view that repeats elements (stride 0).
    const past = stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 2, offset: 1, shape: [2], stride: [1] }, f32Bytes([1, 2]));
    expectCode(() => readTorchCheckpoint(past), 'CDM_TORCH_CHECKPOINT_CORRUPT', /reaches element 2 of a 2-element storage/);
    const expanded = stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 1, shape: [1000000], stride: [0] }, f32Bytes([1]));
    expectCode(() => readTorchCheckpoint(expanded), 'CDM_TORCH_CHECKPOINT_UNSUPPORTED', /repeats storage elements/);
    // The ZIP directory itself declaring an entry larger than the file.
    const zip = stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 2, shape: [2], stride: [1] }, f32Bytes([1, 2]));
    const view = new DataView(zip.buffer);
    const directory = view.getUint32(zip.length - 6, true);
    const second = directory + 46 + 'archive/data.pkl'.length;
    view.setUint32(second + 20, 0x7fffffff, true);
    view.setUint32(second + 24, 0x7fffffff, true);
    expectCode(() => readTorchCheckpoint(zip), 'CDM_TORCH_CHECKPOINT_CORRUPT', /declares 2147483647 bytes at byte \d+, past the \d+ bytes of entry data/);
  });

  it('reads a hand-built archive, non-contiguous and big-endian ones included', () => {
    const plain = stateDictArchive('w', { type: 'FloatStorage', key: '7', numel: 6, shape: [3, 2], stride: [1, 3] }, f32Bytes([0, 1, 2, 3, 4, 5]));
    const w = readTorchCheckpoint(plain).tensors.get('w')!;
    expect(w.shape).toEqual([3, 2]);
    expect(values(w)).toEqual([0, 3, 1, 4, 2, 5]);
    const swapped = f32Bytes([1.5, -2]);
    for (let i = 0; i < swapped.length; i += 4) swapped.subarray(i, i + 4).reverse();
    const big = stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 2, shape: [2], stride: [1] }, swapped, [['archive/byteorder', new TextEncoder().encode('big')]]);
    expect(values(readTorchCheckpoint(big).tensors.get('w')!)).toEqual([1.5, -2]);
  });

  it('refuses compressed and encrypted entries, TorchScript archives, and files that are not archives', () => {
    const zip = stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 1, shape: [1], stride: [1] }, f32Bytes([1]));
    const directory = new DataView(zip.buffer).getUint32(zip.length - 6, true);
    const deflated = zip.slice();
    new DataView(deflated.buffer).setUint16(directory + 10, 8, true);
    expectCode(() => readTorchCheckpoint(deflated), 'CDM_TORCH_CHECKPOINT_UNSUPPORTED', /"archive\/data\.pkl" is compressed \(method 8\)/);
    const encrypted = zip.slice();
    new DataView(encrypted.buffer).setUint16(directory + 8, 1, true);
    expectCode(() => readTorchCheckpoint(encrypted), 'CDM_TORCH_CHECKPOINT_UNSUPPORTED', /is encrypted/);
    const script = zipArchive([['m/data.pkl', pickle(op.emptyDict)], ['m/constants.pkl', pickle(op.emptyTuple)]]);
    expectCode(() => readTorchCheckpoint(script), 'CDM_TORCH_CHECKPOINT_UNSUPPORTED', /TorchScript/);
    expectCode(() => readTorchCheckpoint(new TextEncoder().encode('{"not": "a zip"}')), 'CDM_TORCH_CHECKPOINT_CORRUPT', /not a ZIP archive/);
    const tensorOnly = zipArchive([['archive/data.pkl', pickle(tensorPickle({ type: 'FloatStorage', key: '0', numel: 1, shape: [1], stride: [1] }))], ['archive/data/0', f32Bytes([1])]]);
    expectCode(() => readTorchCheckpoint(tensorOnly), 'CDM_TORCH_CHECKPOINT_UNSUPPORTED', /holds a single tensor, not a dict of tensors/);
  });

  it('a truncated archive, cut anywhere, fails with a coded error', () => {
    const bytes = fixture('small-p2.pt');
    for (let length = 0; length < bytes.length; length += 37) {
      expectCode(() => readTorchCheckpoint(bytes.subarray(0, length)), 'CDM_TORCH_CHECKPOINT_CORRUPT');
    }
    // A pickle cut short inside a valid archive.
    const pkl = pickle(op.emptyDict, op.mark, op.str('w'));
    expectCode(() => readTorchCheckpoint(zipArchive([['archive/data.pkl', pkl.subarray(0, pkl.length - 3)]])), 'CDM_TORCH_CHECKPOINT_CORRUPT', /truncated/);
  });

  it('random corruption never escapes as anything but a coded error (or a successful read)', () => {
    const rng = createRng(18);
    const original = fixture('small-p4.pt');
    let failures = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bytes = original.slice();
      for (let k = 0; k < 1 + rng.int(3); k++) bytes[rng.int(bytes.length)] = rng.int(256);
      try {
        readTorchCheckpoint(bytes, { verifyChecksums: trial % 2 === 0 });
      } catch (error) {
        failures++;
        expect(isCdmError(error), String(error)).toBe(true);
      }
    }
    expect(failures).toBeGreaterThan(50);
  });
});

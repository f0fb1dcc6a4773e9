import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Storage } from '../contracts/storage';
import { isCdmError } from '../errors';
import { toFloat32 } from '../safetensors/read';
import { memoryStorage } from '../storage';
import { openTorchCheckpoint, readTorchCheckpoint } from './read';
import { op, pickle, sparseZip64, stateDictArchive, tensorPickle, zipArchive } from './testing-archive';

const GiB = 2 ** 30;
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const f32Bytes = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

/** A storage that counts what it hands out, and whose read() of a whole file is an error. */
function countingStorage(files: Record<string, Uint8Array>): Storage & { served: number; wholeReads: number } {
  const inner = memoryStorage();
  for (const [path, bytes] of Object.entries(files)) void inner.write(path, bytes);
  const storage = {
    ...inner,
    served: 0,
    wholeReads: 0,
    async read(path: string) {
      storage.wholeReads++;
      return inner.read(path);
    },
    async readRange(path: string, offset: number, length: number) {
      const bytes = await inner.readRange!(path, offset, length);
      storage.served += bytes.length;
      return bytes;
    },
  };
  return storage;
}

/**
 * A storage holding one virtual file of `size` bytes: `pieces` at their offsets and zeros between
 * (like a sparse file); it can only be read by ranges, and it counts the reads and bytes handed out.
 */
function sparseStorage(size: number, pieces: readonly [number, Uint8Array][]): Storage & { served: number; reads: number } {
  const storage = {
    name: 'sparse',
    served: 0,
    reads: 0,
    read: async (): Promise<Uint8Array> => {
      throw new Error('read() of the whole file');
    },
    write: async () => undefined,
    exists: async () => true,
    async readRange(_path: string, offset: number, length: number) {
      const end = Math.min(size, offset + length);
      const out = new Uint8Array(Math.max(0, end - offset));
      for (const [at, bytes] of pieces) {
        const from = Math.max(at, offset);
        const to = Math.min(at + bytes.length, end);
        if (from < to) out.set(bytes.subarray(from - at, to - at), from - offset);
      }
      storage.served += out.length;
      storage.reads++;
      return out;
    },
  };
  return storage;
}

/** The code and message of what `run` throws (or rejects with); undefined when it succeeds. */
async function failure(run: () => unknown): Promise<{ code: string; message: string } | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    expect(isCdmError(error), String(error)).toBe(true);
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

/** Opens `bytes` through the ranged reader and reads every tensor. */
async function readRanged(bytes: Uint8Array, options: { verifyChecksums?: boolean } = {}) {
  const storage = countingStorage({ 'm.pt': bytes });
  const source = await openTorchCheckpoint(storage, 'm.pt', { ...options, byteLength: bytes.length });
  const tensors = new Map(await Promise.all([...source.entries.keys()].map(async (name) => [name, await source.read(name)] as const)));
  expect(storage.wholeReads).toBe(0);
  return { metadata: source.metadata, tensors };
}

describe('openTorchCheckpoint: the ranged reader', () => {
  it.each(['small-p2.pt', 'small-p4.pt', 'small-p5.pt'])('%s: the tensors and metadata readTorchCheckpoint gives, by ranges, by probing the size, and whole', async (file) => {
    const bytes = fixture(file);
    const whole = readTorchCheckpoint(bytes);
    const storage = countingStorage({ 'm.pt': bytes });
    const { readRange: _unused, ...plain } = storage;
    for (const [s, options] of [
      [storage, { byteLength: bytes.length }],
      [storage, {}],
      [plain as Storage, {}],
    ] as const) {
      const source = await openTorchCheckpoint(s, 'm.pt', options);
      expect(source.byteLength).toBe(bytes.length);
      expect(source.metadata).toEqual(whole.metadata);
      expect([...source.entries]).toEqual([...whole.tensors].map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, byteLength: t.data.byteLength }]));
      for (const [name, tensor] of whole.tensors) expect(await source.read(name), name).toEqual(tensor);
      await expect(source.read('nope')).rejects.toThrow(/Invalid tensor name/);
    }
    // Only the last variant (no readRange) read the file whole.
    expect(storage.wholeReads).toBe(1);
  });

  it('refuses broken and hostile files with the same coded errors as the in-memory reader', async () => {
    const p2 = fixture('small-p2.pt');
    const flipped = p2.slice();
    const needle = f32Bytes([-1, -0.5, 0]);
    const at = flipped.findIndex((_, i) => needle.every((b, j) => flipped[i + j] === b));
    flipped[at + 3] = flipped[at + 3]! ^ 0x01;
    const inputs: Uint8Array[] = [
      flipped,
      fixture('small-legacy.pt'),
      zipArchive([['archive/data.pkl', pickle(op.global('os', 'system'), op.tuple(op.str('echo pwned')), op.reduce)]]),
      stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 2 ** 30, shape: [2 ** 15, 2 ** 15], stride: [2 ** 15, 1] }, f32Bytes([1, 2])),
      stateDictArchive('w', { type: 'FloatStorage', key: '0', numel: 2, offset: 1, shape: [2], stride: [1] }, f32Bytes([1, 2])),
    ];
    for (let length = 0; length < p2.length; length += 37) inputs.push(p2.subarray(0, length));
    for (const bytes of inputs) {
      const inMemory = await failure(() => readTorchCheckpoint(bytes));
      expect(inMemory).toBeDefined();
      expect(await failure(() => readRanged(bytes))).toEqual(inMemory);
    }
    // Unchecked, the flipped bit is read as it is, through either path.
    expect(Array.from(toFloat32((await readRanged(flipped, { verifyChecksums: false })).tensors.get('f32')!))).toEqual(
      Array.from(toFloat32(readTorchCheckpoint(flipped, { verifyChecksums: false }).tensors.get('f32')!)),
    );
  });

  describe('a 5 GiB ZIP64 checkpoint (a virtual sparse file)', () => {
    const small = f32Bytes([1.5, -2, 3]);
    const hugeNumel = 5 * 2 ** 28; // 5 GiB of F32
    const state = pickle(
      op.emptyDict,
      op.mark,
      op.str('huge'),
      tensorPickle({ type: 'FloatStorage', key: '0', numel: hugeNumel, shape: [5, 2 ** 28], stride: [2 ** 28, 1] }),
      op.str('small'),
      tensorPickle({ type: 'FloatStorage', key: '1', numel: 3, shape: [3], stride: [1] }),
      op.str('window'),
      tensorPickle({ type: 'FloatStorage', key: '0', numel: hugeNumel, offset: hugeNumel - 2, shape: [2], stride: [1] }),
      op.setitems,
    );
    // The 5 GiB storage first, so the small one and the pickle lie past 5 GiB.
    const layout = () =>
      sparseZip64([
        { name: 'archive/data/0', size: hugeNumel * 4 },
        { name: 'archive/data/1', data: small.slice() },
        { name: 'archive/data.pkl', data: state },
      ]);

    it('opens by its end records, directory and pickle, and reads a tensor stored past 4 GiB, reading kilobytes', async () => {
      const { size, pieces } = layout();
      expect(size).toBeGreaterThan(5 * GiB);
      const storage = sparseStorage(size, pieces);
      const source = await openTorchCheckpoint(storage, 'big.pt', { byteLength: size });
      expect(source.byteLength).toBe(size);
      expect([...source.entries]).toEqual([
        ['huge', { dtype: 'F32', shape: [5, 2 ** 28], byteLength: 5 * GiB }],
        ['small', { dtype: 'F32', shape: [3], byteLength: 12 }],
        ['window', { dtype: 'F32', shape: [2], byteLength: 8 }],
      ]);
      const tensor = await source.read('small');
      expect(Array.from(toFloat32(tensor))).toEqual([1.5, -2, 3]);
      expect(tensor.data.byteLength).toBe(12);
      expect(storage.served).toBeLessThan(100_000);

      // Found without being told the size (1-byte probes), and a view at the very end of the 5 GiB storage, unchecked.
      // Two elements written at the end of the huge storage (its data starts after a 30 + 14-byte local header).
      const probed = sparseStorage(size, [...pieces, [30 + 14 + (hugeNumel - 2) * 4, f32Bytes([7, 8])]]);
      const unchecked = await openTorchCheckpoint(probed, 'big.pt', { verifyChecksums: false });
      expect(unchecked.byteLength).toBe(size);
      expect(Array.from(toFloat32(await unchecked.read('window')))).toEqual([7, 8]);
      expect(probed.reads).toBeLessThan(150);
      expect(probed.served).toBeLessThan(100_000);
    });

    it('checks the CRC-32 of an entry past 4 GiB, and refuses a cut file from its end, reading kilobytes', async () => {
      const { size, pieces } = layout();
      const data1 = pieces.find(([, bytes]) => bytes.length === 12 && bytes[0] === small[0])!;
      data1[1][0] = data1[1][0]! ^ 0x01;
      const source = await openTorchCheckpoint(sparseStorage(size, pieces), 'big.pt', { byteLength: size });
      await expect(source.read('small')).rejects.toMatchObject({ code: 'CDM_TORCH_CHECKPOINT_CORRUPT', message: expect.stringMatching(/"archive\/data\/1" fails its CRC-32 check/) });

      for (const cut of [size - 10, size - 200, 5 * GiB]) {
        const storage = sparseStorage(cut, pieces);
        expect(await failure(() => openTorchCheckpoint(storage, 'big.pt', { byteLength: cut }))).toMatchObject({ code: 'CDM_TORCH_CHECKPOINT_CORRUPT' });
        expect(storage.served).toBeLessThan(100_000);
      }
      // The storage's declared size must be its entry's, checked when opening.
      const lying = sparseZip64([
        { name: 'archive/data/0', size: 4 * GiB },
        { name: 'archive/data.pkl', data: pickle(op.emptyDict, op.mark, op.str('w'), tensorPickle({ type: 'FloatStorage', key: '0', numel: 2 ** 30 + 1, shape: [2], stride: [1] }), op.setitems) },
      ]);
      const refused = await failure(() => openTorchCheckpoint(sparseStorage(lying.size, lying.pieces), 'big.pt', { byteLength: lying.size }));
      expect(refused).toMatchObject({ code: 'CDM_TORCH_CHECKPOINT_CORRUPT', message: expect.stringMatching(/declares 1073741825 F32 elements \(4294967300 bytes\), but archive\/data\/0 holds 4294967296 bytes/) });
    });
  });

  it('checks the CRC-32 of an entry over 16 MiB a piece at a time, keeping only the part a tensor covers', async () => {
    const numel = 10 * 2 ** 20; // 40 MiB of F32
    const data = new Float32Array(numel).map((_, i) => i % 1000);
    const bytes = new Uint8Array(data.buffer);
    const state = pickle(op.emptyDict, op.mark, op.str('tail'), tensorPickle({ type: 'FloatStorage', key: '0', numel, offset: numel - 4, shape: [2, 2], stride: [1, 2] }), op.setitems);
    const { size, pieces } = sparseZip64([
      { name: 'archive/data/0', data: bytes },
      { name: 'archive/data.pkl', data: state },
    ]);
    const storage = sparseStorage(size, pieces);
    const tail = await (await openTorchCheckpoint(storage, 'm.pt', { byteLength: size })).read('tail');
    const last = (k: number) => (numel - 4 + k) % 1000;
    expect(Array.from(toFloat32(tail))).toEqual([last(0), last(2), last(1), last(3)]);
    expect(tail.data.byteLength).toBe(16);
    expect(storage.served).toBeGreaterThanOrEqual(numel * 4); // the whole entry passed through the CRC
    bytes[5] = bytes[5]! ^ 0x10; // outside the tensor, inside its storage
    await expect((await openTorchCheckpoint(sparseStorage(size, pieces), 'm.pt', { byteLength: size })).read('tail')).rejects.toThrow(/fails its CRC-32 check/);
    const unchecked = sparseStorage(size, pieces);
    expect(toFloat32(await (await openTorchCheckpoint(unchecked, 'm.pt', { byteLength: size, verifyChecksums: false })).read('tail'))).toEqual(toFloat32(tail));
    expect(unchecked.served).toBeLessThan(100_000);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createPreparedDatasetWriter, memoryStorage, type Storage } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { openPreparedDataset } from './prepared-dataset';

/** Example i: 2×2 RGB, pixel p channel k = (10·i + 3·p + k) mod 256; label i mod 3. */
const pixelsOf = (i: number) => Uint8Array.from({ length: 12 }, (_, j) => (10 * i + 3 * Math.floor(j / 3) + (j % 3)) % 256);

async function build(storage: Storage, count: number, shardBytes: number) {
  const writer = createPreparedDatasetWriter({ storage, path: 'data', resolution: 2, channels: 3, classNames: ['a', 'b', 'c'], shardBytes });
  for (let i = 0; i < count; i++) await writer.add(i % 3, pixelsOf(i), { path: `x/${i}.png`, bytes: 1, mtimeMs: 0, label: i % 3 });
  return writer.finish({ key: 'k', decoder: 'test', source: 'memory', skipped: [], ignored: [] });
}

async function epoch(storage: Storage, randomFlip = false, inMemoryBytes?: number) {
  const dataset = await openPreparedDataset({ storage, path: 'data', randomFlip, ...(inMemoryBytes === undefined ? {} : { inMemoryBytes }) });
  const seen = new Map<number, { pixels: number[]; label: number }>();
  const stream = dataset.batches({ batchSize: 5, seed: 3 })[Symbol.asyncIterator]();
  for (let b = 0; b < dataset.size / 5; b++) {
    const { value } = await stream.next();
    const images = (await value!.images.data()) as Float32Array;
    const labels = await value!.labels!.data();
    for (let e = 0; e < 5; e++) {
      const bytes = Array.from(images.subarray(12 * e, 12 * e + 12), (v) => Math.round((v + 1) * 127.5));
      seen.set(Math.min(bytes[0]!, bytes[3]!) / 10, { pixels: bytes, label: labels[e]! });
    }
    tf.dispose([value!.images, value!.labels!]);
  }
  await stream.return?.(undefined);
  return { dataset, seen };
}

describe('openPreparedDataset', () => {
  it('streams every record once per epoch with its label, across shards, by ranged reads', async () => {
    const storage = memoryStorage();
    const manifest = await build(storage, 20, 14 * 6); // 6 records a shard: 4 shards
    expect(manifest.shards).toHaveLength(4);
    expect(manifest.classCounts).toEqual([7, 7, 6]);
    const { dataset, seen } = await epoch(storage, false, 0);
    expect((await epoch(storage)).seen).toEqual(seen); // held in memory: the same examples
    expect(dataset.classNames).toEqual(['a', 'b', 'c']);
    expect(dataset.numClasses).toBe(3);
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const [i, { pixels, label }] of seen) {
      expect(pixels).toEqual([...pixelsOf(i)]);
      expect(label).toBe(i % 3);
    }
  });

  it('reads whole shards when the storage has no readRange, with the same result', async () => {
    const storage = memoryStorage();
    await build(storage, 10, 14 * 4);
    const plain: Storage = { name: 'plain', read: (p, o) => storage.read(p, o), write: (p, b) => storage.write(p, b), exists: (p) => storage.exists(p) };
    expect((await epoch(plain, false, 0)).seen).toEqual((await epoch(storage, false, 0)).seen);
  });

  it('mirrors examples when randomFlip is on', async () => {
    const storage = memoryStorage();
    await build(storage, 10, 1 << 20);
    const { seen } = await epoch(storage, true);
    const mirrored = [...seen].filter(([i, { pixels }]) => pixels.join() !== [...pixelsOf(i)].join());
    expect(mirrored.length).toBeGreaterThan(0);
    for (const [i, { pixels }] of mirrored) expect(pixels).toEqual([...pixelsOf(i).subarray(3, 6), ...pixelsOf(i).subarray(0, 3), ...pixelsOf(i).subarray(9, 12), ...pixelsOf(i).subarray(6, 9)]);
  });

  it('says how to make one when there is none, and refuses a damaged manifest', async () => {
    await expect(openPreparedDataset({ storage: memoryStorage(), path: 'data' })).rejects.toMatchObject({ code: 'CDM_NOT_FOUND' });
    const storage = memoryStorage({ 'data/manifest.json': new TextEncoder().encode('{"format":"cdm-prepared-dataset","version":1,"resolution":2}') });
    await expect(openPreparedDataset({ storage, path: 'data' })).rejects.toMatchObject({ code: 'CDM_INVALID_ARGUMENT' });
  });
});

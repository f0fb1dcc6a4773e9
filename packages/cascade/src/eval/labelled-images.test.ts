import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { DataBatch, Dataset } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { heldOutSplit, readLabelledImages } from './labelled-images';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * A labelled in-memory dataset of `size` 2×2 grey images: example e has every pixel e/100 and label
 * e mod 3. Its stream visits e = (i + seed) mod size, repeating, and counts the batches it made.
 */
function memoryDataset(size: number, labelled = true) {
  const made = { batches: 0 };
  const dataset: Dataset = {
    name: 'memory',
    numClasses: 3,
    size,
    resolution: 2,
    channels: 1,
    async *batches({ batchSize, seed, start = 0 }): AsyncIterable<DataBatch> {
      for (let i = start; ; i += batchSize) {
        const ids = Array.from({ length: batchSize }, (_, k) => (i + k + seed) % size);
        made.batches++;
        yield {
          images: tf.tensor4d(ids.flatMap((e) => [e / 100, e / 100, e / 100, e / 100]), [batchSize, 2, 2, 1]),
          ...(labelled ? { labels: tf.tensor1d(ids.map((e) => e % 3), 'int32') } : {}),
        };
      }
    },
  };
  return { dataset, made };
}

describe('readLabelledImages', () => {
  it('reads one epoch in the stream order, with matching labels, and disposes every batch', async () => {
    const { dataset, made } = memoryDataset(10);
    const before = tf.memory().numTensors;
    const data = await readLabelledImages(dataset, { batchSize: 4, seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(data.count).toBe(10);
    expect(made.batches).toBe(3); // 4 + 4 + 2 of the third
    const ids = Array.from({ length: 10 }, (_, i) => (i + 3) % 10);
    expect(Array.from(data.labels)).toEqual(ids.map((e) => e % 3));
    expect(Array.from(data.images.filter((_, j) => j % 4 === 0))).toEqual(ids.map((e) => Math.fround(e / 100)));
  });

  it('reads the first count examples, and refuses more than the dataset has or unlabelled data', async () => {
    const data = await readLabelledImages(memoryDataset(10).dataset, { count: 5, batchSize: 2 });
    expect(Array.from(data.labels)).toEqual([0, 1, 2, 0, 1]);
    expect(data.images.length).toBe(5 * 4);
    await expect(readLabelledImages(memoryDataset(10).dataset, { count: 11 })).rejects.toThrow('Invalid count: expected at most the 10 examples of memory, got 11');
    await expect(readLabelledImages(memoryDataset(10, false).dataset)).rejects.toThrow('Invalid memory: expected a labelled dataset (class sub-folders), got "unlabelled batches"');
  });
});

describe('heldOutSplit', () => {
  const data = (labels: number[]) => ({ images: Float32Array.from(labels.flatMap((_, i) => [i, -i])), labels: Int32Array.from(labels), count: labels.length });

  it('holds out round(fraction·n) of each class, at least one, never all, seeded; rows keep their images and order', () => {
    const labels = [...Array(20).fill(0), ...Array(5).fill(1), 2, 2, 3];
    const split = heldOutSplit(data(labels), 0.2, 4);
    const count = (set: { labels: Int32Array }, c: number) => set.labels.filter((l) => l === c).length;
    expect([0, 1, 2, 3].map((c) => count(split.heldOut, c))).toEqual([4, 1, 1, 0]); // 0.2·20, 0.2·5, max(1, 0.4) with 2 images, a single image stays in training
    expect([0, 1, 2, 3].map((c) => count(split.train, c))).toEqual([16, 4, 1, 1]);
    for (const set of [split.train, split.heldOut]) {
      const rows = Array.from({ length: set.count }, (_, k) => set.images[2 * k]!);
      expect(rows).toEqual([...rows].sort((a, b) => a - b)); // input order kept
      rows.forEach((row, k) => {
        expect(set.images[2 * k + 1]).toBe(-row);
        expect(set.labels[k]).toBe(labels[row]);
      });
    }
    const rowsOf = (s: typeof split) => Array.from({ length: s.heldOut.count }, (_, k) => s.heldOut.images[2 * k]);
    expect(rowsOf(heldOutSplit(data(labels), 0.2, 4))).toEqual(rowsOf(split));
    expect(rowsOf(heldOutSplit(data(labels), 0.2, 5))).not.toEqual(rowsOf(split));
  });

  it('names a bad fraction', () => {
    expect(() => heldOutSplit(data([0, 1]), 1)).toThrow('Invalid fraction: expected a number between 0 and 1 (exclusive), got 1');
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type DataBatch } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { proceduralDataset } from './procedural-dataset';
import { PROCEDURAL_CLASSES, insideShape } from './procedural-shapes';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function take(iterable: AsyncIterable<DataBatch>, count: number): Promise<{ images: Float32Array; labels: Int32Array }[]> {
  const out: { images: Float32Array; labels: Int32Array }[] = [];
  for await (const batch of iterable) {
    out.push({ images: (await batch.images.data()) as Float32Array, labels: (await batch.labels!.data()) as Int32Array });
    tf.dispose([batch.images, batch.labels!]);
    if (out.length === count) break;
  }
  return out;
}

describe('procedural shapes', () => {
  it('have the areas their closed forms give (Monte Carlo, 200 000 points, 4 standard errors)', () => {
    const side = 2.4;
    const expected: Record<string, number> = {
      circle: Math.PI,
      square: 1.6 * 1.6,
      triangle: (3 * Math.sqrt(3)) / 4, // equilateral, circumradius 1
      ring: Math.PI * (1 - 0.55 * 0.55),
      cross: 2 * (0.6 * 2) - 0.6 * 0.6,
      hexagon: (3 * Math.sqrt(3)) / 2,
      diamond: 2 * 0.65,
      'two-dots': 2 * Math.PI * 0.45 * 0.45,
    };
    const rng = createRng(1);
    const n = 200_000;
    for (const [name, area] of Object.entries(expected)) {
      const label = PROCEDURAL_CLASSES.indexOf(name as never);
      let hits = 0;
      for (let i = 0; i < n; i++) if (insideShape(label, (rng.uniform() - 0.5) * side, (rng.uniform() - 0.5) * side)) hits++;
      const p = area / (side * side);
      expect(Math.abs(hits / n - p), name).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
  });
});

describe('proceduralDataset', () => {
  const dataset = proceduralDataset({ resolution: 16, size: 40 });

  it('renders the same image for the same world seed and index, in [−1, 1]', () => {
    const a = dataset.render(7);
    expect(Array.from(a)).toEqual(Array.from(proceduralDataset({ resolution: 16 }).render(7)));
    expect(Array.from(a)).not.toEqual(Array.from(proceduralDataset({ resolution: 16, worldSeed: 1 }).render(7)));
    expect(a.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(dataset.scene(13).label).toBe(3);
  });

  it('renders one underlying image at every resolution: 64² area-downsampled by 2 ≈ 32² (mean |Δ| < 0.02)', () => {
    const world = proceduralDataset({ resolution: 64 });
    for (const index of [0, 5, 11]) {
      const high = world.render(index, 64);
      const low = world.render(index, 32);
      let total = 0;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          for (let c = 0; c < 3; c++) {
            const at = (yy: number, xx: number) => high[(yy * 64 + xx) * 3 + c]!;
            const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
            total += Math.abs(mean - low[(y * 32 + x) * 3 + c]!);
          }
        }
      }
      expect(total / (32 * 32 * 3)).toBeLessThan(0.02);
    }
  });

  it('streams every example once per epoch, reshuffled each epoch, balanced over classes', async () => {
    const batches = await take(dataset.batches({ batchSize: 8, seed: 3 }), 10); // 80 examples = 2 epochs
    const labels = batches.flatMap((b) => Array.from(b.labels));
    for (const epoch of [labels.slice(0, 40), labels.slice(40, 80)]) {
      const counts = new Array<number>(10).fill(0);
      for (const label of epoch) counts[label]!++;
      expect(counts).toEqual(new Array<number>(10).fill(4));
    }
    expect(labels.slice(0, 40)).not.toEqual(labels.slice(40, 80));
    expect(batches[0]!.images).toHaveLength(8 * 16 * 16 * 3);
  });

  it('resumes exactly at a position, across an epoch boundary', async () => {
    const straight = await take(dataset.batches({ batchSize: 6, seed: 9 }), 8);
    const resumed = await take(dataset.batches({ batchSize: 6, seed: 9, start: 36 }), 2);
    expect(Array.from(resumed[0]!.labels)).toEqual(Array.from(straight[6]!.labels));
    expect(Array.from(resumed[1]!.images)).toEqual(Array.from(straight[7]!.images));
    const otherSeed = await take(dataset.batches({ batchSize: 6, seed: 10 }), 1);
    expect(Array.from(otherSeed[0]!.labels)).not.toEqual(Array.from(straight[0]!.labels));
  });

  it('leaks no tensors, stops when aborted, and rejects bad options', async () => {
    const before = tf.memory().numTensors;
    await take(dataset.batches({ batchSize: 4, seed: 1 }), 3);
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    controller.abort();
    await expect(take(dataset.batches({ batchSize: 4, seed: 1, signal: controller.signal }), 1)).rejects.toThrow(
      expect.objectContaining({ code: 'CDM_ABORTED' }),
    );
    await expect(take(dataset.batches({ batchSize: 0, seed: 1 }), 1)).rejects.toThrow(/Invalid batchSize/);
    expect(() => proceduralDataset({ resolution: 0 })).toThrow(/Invalid resolution/);
    expect(() => proceduralDataset({ resolution: 8, size: 5 })).toThrow(/Invalid size: expected an integer ≥ 10/);
  });
});

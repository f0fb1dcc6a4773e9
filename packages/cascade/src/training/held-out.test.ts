import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, type Dataset } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { proceduralDataset } from '../datasets';
import { createStage } from '../stage/stage';
import { tinyDenoiser } from '../testing/tiny-denoiser';
import { takeHeldOutSet } from './held-out';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const diffusion = (T: number) => new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', T) });

/** A super-resolution stage whose augmentation draws a random level and noise from the rng it is given. */
function srStage(T: number) {
  const denoiser = tinyDenoiser({ superResolution: true, hidden: 4, seed: 2 });
  const stage = createStage({
    resolution: 16,
    lowResolution: 8,
    denoiser,
    diffusion: diffusion(T),
    augmentation: {
      name: 'test-random-noise',
      train: (x, { rng }) =>
        tf.tidy(() => {
          const levels = Array.from({ length: x.shape[0] }, () => rng.int(10));
          const noise = tf.tensor(rng.normalArray(x.size), x.shape);
          return { image: tf.add(x, tf.mul(noise, 0.1)) as tf.Tensor4D, level: tf.tensor1d(levels, 'float32') };
        }),
      sample: (x) => ({ image: x.clone(), level: tf.zeros([x.shape[0]]) as tf.Tensor1D }),
    },
  });
  return { stage, dispose: denoiser.dispose };
}

describe('takeHeldOutSet', () => {
  it('stratifies the timesteps over [0, T): one in each of `examples` equal strata', async () => {
    const { stage, dispose } = srStage(8);
    const data = proceduralDataset({ resolution: 16, size: 100 });
    const all = await takeHeldOutSet(stage, data, { examples: 8, seed: 1, microBatchSize: 3 });
    expect([...all.timesteps]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const { stage: big, dispose: disposeBig } = srStage(1000);
    const four = await takeHeldOutSet(big, data, { examples: 4, seed: 1, microBatchSize: 3 });
    four.timesteps.forEach((t, i) => {
      expect(t).toBeGreaterThanOrEqual(250 * i);
      expect(t).toBeLessThan(250 * (i + 1));
    });
    expect(new Set(four.timesteps).size).toBe(4);
    dispose();
    disposeBig();
  });

  it('gives the same loss at every call (fixed examples, noise and augmentation draws), in micro-batches, leaving no tensors', async () => {
    const { stage, dispose } = srStage(100);
    const data = proceduralDataset({ resolution: 16, size: 100 });
    const set = await takeHeldOutSet(stage, data, { examples: 5, seed: 3, microBatchSize: 2 });
    const before = tf.memory().numTensors;
    const first = await set.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    expect(first).toBeGreaterThan(0);
    expect(await set.evaluate()).toBe(first);
    // A fresh set from the same seed is the same set; another seed is another one.
    expect(await (await takeHeldOutSet(stage, data, { examples: 5, seed: 3, microBatchSize: 2 })).evaluate()).toBe(first);
    expect(await (await takeHeldOutSet(stage, data, { examples: 5, seed: 4, microBatchSize: 2 })).evaluate()).not.toBe(first);
    // The loss follows the weights.
    const bias = stage.denoiser.parameters().get('out.bias')!;
    bias.assign(tf.fill(bias.shape, 0.5));
    expect(await set.evaluate()).not.toBe(first);
    dispose();
  });

  it('a dataset that runs out before `examples` is a coded error', async () => {
    const { stage, dispose } = srStage(100);
    const short: Dataset = {
      name: 'one-batch',
      resolution: 16,
      channels: 3,
      async *batches({ batchSize }) {
        yield { images: tf.zeros([batchSize, 16, 16, 3]) as tf.Tensor4D };
      },
    };
    await expect(takeHeldOutSet(stage, short, { examples: 5, seed: 0, microBatchSize: 2 })).rejects.toThrow(
      /Invalid heldOut\.examples: expected at most the 2 examples the held-out dataset gave, got 5/,
    );
    dispose();
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, createRng, downsampleArea, resizeImages, type AugmentationPolicy } from '@cdm/core';
import { beforeAll, expect, it } from 'vitest';
import { createStage } from '../stage/stage';
import { tinyDenoiser } from '../testing/tiny-denoiser';
import { lowResCondition } from './low-res-condition';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('downsamples, augments at the low resolution, then upsamples; without a policy the level is 0', async () => {
  const shapes: number[][] = [];
  /** Adds 0.25 and reports level 3: the expected result is upsample(down(x)) + 0.25, since the rows of the resampling sum to 1. */
  const shift: AugmentationPolicy = {
    name: 'shift',
    train: (x) => {
      shapes.push([...x.shape]);
      return { image: tf.add(x, 0.25) as tf.Tensor4D, level: tf.fill([x.shape[0]], 3) as tf.Tensor1D };
    },
    sample: (x) => ({ image: tf.clone(x), level: tf.zeros([x.shape[0]]) as tf.Tensor1D }),
  };
  const denoiser = tinyDenoiser({ superResolution: true, hidden: 4 });
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) });
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 16 * 16 * 3 }, (_, i) => Math.sin(0.05 * i)), [2, 16, 16, 3]);
  const reference = tf.tidy(() => resizeImages(downsampleArea(x, 8), 16, 16, 'bicubic'));
  for (const augmentation of [undefined, shift]) {
    const stage = createStage({ resolution: 16, lowResolution: 8, upsample: 'bicubic', denoiser, diffusion, ...(augmentation ? { augmentation } : {}) });
    const before = tf.memory().numTensors;
    const { lowRes, augLevel } = lowResCondition(stage, x, createRng(0));
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(lowRes.shape).toEqual([2, 16, 16, 3]);
    const offset = augmentation ? 0.25 : 0;
    const [got, want] = [await lowRes.data(), await reference.data()];
    got.forEach((v, i) => expect(Math.abs(v - want[i]! - offset)).toBeLessThan(1e-5));
    expect(Array.from(await augLevel.data())).toEqual(augmentation ? [3, 3] : [0, 0]);
    tf.dispose([lowRes, augLevel]);
  }
  expect(shapes).toEqual([[2, 8, 8, 3]]);
  tf.dispose([x, reference]);
  denoiser.dispose();
});

it('wraps a failing policy with its name and the hook', () => {
  const broken: AugmentationPolicy = {
    name: 'broken',
    train: () => {
      throw new Error('boom');
    },
    sample: () => {
      throw new Error('boom');
    },
  };
  const denoiser = tinyDenoiser({ superResolution: true, hidden: 4 });
  const stage = createStage({ resolution: 16, lowResolution: 8, augmentation: broken, denoiser, diffusion: new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) }) });
  const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  expect(() => lowResCondition(stage, x, createRng(0))).toThrow(/augmentation policy "broken" failed in train: boom/);
  expect(tf.memory().numTensors).toBe(before);
  x.dispose();
  denoiser.dispose();
});

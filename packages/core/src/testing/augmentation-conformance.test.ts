import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AugmentationPolicy, AugmentationResult } from '../contracts/augmentation-policy';
import type { Rng } from '../rng';
import {
  augmentationCalls,
  checkAugmentationDeterminism,
  checkAugmentationInputUntouched,
  checkAugmentationName,
  checkAugmentationOutputs,
  checkAugmentationTensorLeaks,
} from './augmentation-checks';
import { describeAugmentationConformance } from './augmentation-conformance';

const batchOf = (x: tf.Tensor4D) => x.shape[0];

/** Hands the images over unchanged (as new tensors), at level 0. */
const identityPolicy = (): AugmentationPolicy => ({
  name: 'test-identity',
  train: (lowRes) => ({ image: tf.clone(lowRes), level: tf.zeros([batchOf(lowRes)]) as tf.Tensor1D }),
  sample: (lowRes) => ({ image: tf.clone(lowRes), level: tf.zeros([batchOf(lowRes)]) as tf.Tensor1D }),
});

/** x + s·ε with ε from `noise` and s per example: the shape of Gaussian conditioning augmentation. */
function addNoise(lowRes: tf.Tensor4D, levels: Float32Array, noise: (n: number) => Float32Array): AugmentationResult {
  return tf.tidy(() => {
    const eps = tf.tensor4d(noise(lowRes.size), lowRes.shape);
    const s = tf.tensor4d(levels, [levels.length, 1, 1, 1]);
    return { image: tf.add(lowRes, tf.mul(s, eps)) as tf.Tensor4D, level: tf.tensor1d(levels) };
  });
}

/** Seeded Gaussian noise: train() draws s ~ U(0, 0.5) per example; sample() adds noise only for a clean handover. */
const noisePolicy = (noise: (rng: Rng, n: number) => Float32Array = (rng, n) => rng.normalArray(n)): AugmentationPolicy => ({
  name: 'test-gaussian-noise',
  train(lowRes, { rng }) {
    const levels = Float32Array.from({ length: batchOf(lowRes) }, () => 0.5 * rng.uniform());
    return addNoise(lowRes, levels, (n) => noise(rng, n));
  },
  sample(lowRes, { rng }, { level, handover }) {
    const levels = new Float32Array(batchOf(lowRes)).fill(level);
    if (handover === 'truncated') return { image: tf.clone(lowRes), level: tf.tensor1d(levels) };
    return addNoise(lowRes, levels, (n) => noise(rng, n));
  },
});

describeAugmentationConformance('test-identity', identityPolicy);
describeAugmentationConformance('test-gaussian-noise', () => noisePolicy(), { levels: [0, 0.3], resolution: 6, channels: 2 });

describe('the augmentation checks', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const calls = augmentationCalls([0.3]);
  const train = calls[0]!;
  const sampleClean = calls[1]!;

  it('report whether a policy depends on the seed, accepting one that does not', async () => {
    expect(await checkAugmentationDeterminism(noisePolicy, train)).toEqual({ dependsOnSeed: true });
    expect(await checkAugmentationDeterminism(identityPolicy, train)).toEqual({ dependsOnSeed: false });
  });

  it('catch a policy that ignores the seed (Math.random)', async () => {
    const unseeded = () => noisePolicy((_rng, n) => Float32Array.from({ length: n }, () => Math.random() - 0.5));
    await expect(checkAugmentationDeterminism(unseeded, train)).rejects.toThrow(
      /train\(\) with batch 1: two runs with the same rng seed gave different results; draw all randomness from context\.rng/,
    );
    await expect(checkAugmentationDeterminism(unseeded, sampleClean)).rejects.toThrow(/sample\(level 0\.3, 'clean'\)/);
  });

  it('catch a policy that leaks a tensor', async () => {
    const kept: tf.Tensor[] = [];
    const leaky: AugmentationPolicy = {
      ...identityPolicy(),
      train(lowRes) {
        kept.push(tf.scalar(1)); // never disposed
        return identityPolicy().train(lowRes, { rng: undefined as never });
      },
    };
    await expect(checkAugmentationTensorLeaks(leaky, train)).rejects.toThrow(
      'train() with batch 1 left 1 tensor(s) alive once its result was disposed',
    );
    tf.dispose(kept);
  });

  it('catch a policy that disposes its input or hands it back', async () => {
    const disposing: AugmentationPolicy = {
      ...identityPolicy(),
      train(lowRes) {
        const image = tf.clone(lowRes);
        lowRes.dispose();
        return { image, level: tf.zeros([batchOf(image)]) as tf.Tensor1D };
      },
    };
    await expect(checkAugmentationInputUntouched(disposing, train)).rejects.toThrow('train() with batch 1 disposed its input');
    const aliasing: AugmentationPolicy = { ...identityPolicy(), train: (lowRes) => ({ image: lowRes, level: tf.zeros([batchOf(lowRes)]) as tf.Tensor1D }) };
    await expect(checkAugmentationInputUntouched(aliasing, train)).rejects.toThrow(/returned its input tensor itself/);
  });

  it('catch wrong shapes, dtypes and non-finite values', async () => {
    const wrongLevel: AugmentationPolicy = {
      ...identityPolicy(),
      train: (lowRes) => ({ image: tf.clone(lowRes), level: tf.zeros([batchOf(lowRes)], 'int32') as tf.Tensor1D }),
    };
    await expect(checkAugmentationOutputs(wrongLevel, train)).rejects.toThrow(/train\(\) with batch 1: level dtype/);
    const nan: AugmentationPolicy = { ...identityPolicy(), train: (lowRes) => ({ image: tf.div(lowRes, 0) as tf.Tensor4D, level: tf.zeros([1]) as tf.Tensor1D }) };
    await expect(checkAugmentationOutputs(nan, train)).rejects.toThrow(/image has a non-finite value/);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('catch an unnamed policy', () => {
    expect(() => checkAugmentationName({ ...identityPolicy(), name: '' })).toThrow(/policy\.name must be a non-empty string/);
  });
});

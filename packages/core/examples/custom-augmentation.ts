import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createNoiseSchedule, createRng, randomNormal, type AugmentationPolicy, type NoiseSchedule, type Rng } from '@cdm/core';

/**
 * Gaussian conditioning augmentation (Ho et al. 2021, §3.1) on a diffusion schedule: level s means
 * z_s = √ᾱ x + √(1 − ᾱ) ε with ᾱ = alphasCumprod[s − 1] (s = 0: clean), the convention of `truncateAt`.
 */
export function forwardNoiseAugmentation(schedule: NoiseSchedule, maxLevel: number): AugmentationPolicy {
  const alphaBar = (s: number) => (s === 0 ? 1 : schedule.alphasCumprod[s - 1]!);
  const noised = (lowRes: tf.Tensor4D, levels: number[], rng: Rng) =>
    tf.tidy(() => {
      const perExample = (f: (s: number) => number) => tf.tensor4d(levels.map(f), [levels.length, 1, 1, 1]);
      const noise = randomNormal<tf.Rank.R4>(rng, lowRes.shape);
      const image = tf.add(tf.mul(perExample((s) => Math.sqrt(alphaBar(s))), lowRes), tf.mul(perExample((s) => Math.sqrt(1 - alphaBar(s))), noise));
      return { image: image as tf.Tensor4D, level: tf.tensor1d(levels, 'float32') };
    });
  return {
    name: 'forward-noise',
    train: (lowRes, { rng }) => noised(lowRes, Array.from({ length: lowRes.shape[0] }, () => rng.int(maxLevel + 1)), rng),
    sample(lowRes, { rng }, { level, handover }) {
      const levels = new Array<number>(lowRes.shape[0]).fill(level);
      // A truncated handover is z_s already: the previous stage stopped its sampler at level s.
      if (handover === 'truncated') return { image: tf.clone(lowRes), level: tf.tensor1d(levels, 'float32') };
      return noised(lowRes, levels, rng);
    },
  };
}

export async function main() {
  const policy = forwardNoiseAugmentation(createNoiseSchedule('cosine', 1000), 250);
  const lowRes = tf.zeros([4, 16, 16, 3]) as tf.Tensor4D; // all zeros, so the output is pure noise: std √(1 − ᾱ)
  const train = policy.train(lowRes, { rng: createRng(1) });
  const atLevel = policy.sample(lowRes, { rng: createRng(2) }, { level: 100, handover: 'clean' });
  const variance = tf.tidy(() => tf.moments(atLevel.image).variance);
  const result = { trainLevels: Array.from(await train.level.data()), sampleStd: Math.sqrt((await variance.data())[0]!) };
  console.log(`train levels ${result.trainLevels.join(', ')}; noise std at level 100: ${result.sampleStd.toFixed(3)}`);
  tf.dispose([lowRes, train.image, train.level, atLevel.image, atLevel.level, variance]);
  return result;
}

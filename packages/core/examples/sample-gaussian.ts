import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, createRng, ddimSampler, sample } from '@cdm/core';
import { gaussianOracle } from '@cdm/core/testing';

/** Draws 8 images of 16×16×3 with 50 DDIM steps and reports their mean and standard deviation. */
export async function main() {
  const schedule = createNoiseSchedule('cosine', 1000);
  const diffusion = new GaussianDiffusion({ schedule, modelOutput: 'eps' });
  // The data here are unbounded Gaussians, so no clipping of x̂₀ to [−1, 1] (keep it on for images).
  const sampler = ddimSampler.create(diffusion, { steps: 'ddim50', eta: 0, clipDenoised: false });
  // Stands in for a trained network: the exact optimal ε-predictor for data x₀ ~ N(0.3, 0.5²).
  const model = gaussianOracle({ schedule, mean: 0.3, std: 0.5, output: 'eps' });

  const { sample: images } = await sample({ sampler, model, shape: [8, 16, 16, 3], rng: createRng(42) });
  const { mean, variance } = tf.moments(images);
  const stats = { mean: (await mean.data())[0]!, std: Math.sqrt((await variance.data())[0]!) };
  console.log(`mean ${stats.mean.toFixed(3)}, std ${stats.std.toFixed(3)} (data: 0.3, 0.5)`);

  tf.dispose([images, mean, variance]);
  model.dispose();
  return stats;
}

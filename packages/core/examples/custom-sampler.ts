import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, createRng, sample, samplerProcess, type SamplerFactory } from '@cdm/core';
import { gaussianOracle } from '@cdm/core/testing';

/** Euler's method for the probability-flow ODE dx̄/dσ = ε̂, in x̄ = x/√ᾱ and σ = √((1 − ᾱ)/ᾱ) (Karras et al. 2022). */
export const eulerSampler: SamplerFactory = {
  name: 'euler',
  create(trained, options = {}) {
    const { diffusion, timesteps } = samplerProcess(trained, options); // respaced process, indices descending
    const { alphasCumprod: ab, alphasCumprodPrev: abPrev } = diffusion.coefficients;
    const sigma = (alphaBar: number) => Math.sqrt((1 - alphaBar) / alphaBar);
    return {
      name: 'euler',
      diffusion,
      timesteps,
      step: ({ modelOutput, t, xt, classifierGradient }) =>
        tf.tidy(() => {
          const { predX0, predEps } = diffusion.pMeanVariance(modelOutput, xt, t, { clipDenoised: options.clipDenoised ?? true });
          const eps = classifierGradient ? tf.sub(predEps, tf.mul(Math.sqrt(1 - ab[t]!), classifierGradient)) : predEps;
          const xBarPrev = tf.add(tf.div(xt, Math.sqrt(ab[t]!)), tf.mul(sigma(abPrev[t]!) - sigma(ab[t]!), eps)); // x̄ += Δσ·ε̂
          return { prev: tf.mul(Math.sqrt(abPrev[t]!), xBarPrev) as tf.Tensor4D, predX0 };
        }),
    };
  },
};

export async function main() {
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('linear', 1000) });
  const target = tf.tensor4d([-0.9, -0.3, 0.3, 0.9], [1, 2, 2, 1]); // all the data: one point x*
  const model = gaussianOracle({ schedule: diffusion.schedule, mean: target, std: 0, output: 'eps' }); // its exact denoiser
  const sampler = eulerSampler.create(diffusion, { steps: 'ddim25' });
  const { sample: x } = await sample({ sampler, model, shape: [3, 2, 2, 1], rng: createRng(0) }); // must return x*
  const error = tf.tidy(() => tf.max(tf.abs(tf.sub(x, target))));
  const maxError = (await error.data())[0]!;
  console.log(`25 Euler steps: max |x − x*| = ${maxError.toExponential(2)}`);
  tf.dispose([target, x, error]);
  model.dispose();
  return { maxError };
}

import * as tf from '@tensorflow/tfjs-core';
import { randomNormal } from '../random-normal';
import { checkClipDenoised, samplerProcess } from './process-timesteps';
import type { Sampler, SamplerFactory } from './sampler';

/**
 * Ancestral sampling (DDPM, Ho et al. 2020 alg. 2): x_{t−1} = μ_θ(x_t, t) + σ_t z, with no noise
 * at the last step. Over a respaced process this is the improved-DDPM strided sampler.
 */
export const ddpmSampler: SamplerFactory = {
  name: 'ddpm',
  create(base, options = {}): Sampler {
    const { diffusion, timesteps } = samplerProcess(base, options);
    const clipDenoised = checkClipDenoised(options.clipDenoised);
    return {
      name: 'ddpm',
      diffusion,
      timesteps,
      step({ modelOutput, t, xt, rng, classifierGradient }) {
        const noise = t > 0 ? randomNormal<tf.Rank.R4>(rng, xt.shape) : undefined;
        try {
          return tf.tidy(() => {
            const p = diffusion.pMeanVariance(modelOutput, xt, t, { clipDenoised });
            const mean = classifierGradient === undefined ? p.mean : tf.add(p.mean, tf.mul(p.variance, classifierGradient));
            const prev = noise === undefined ? mean.clone() : tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, p.logVariance)), noise));
            return { prev: prev as tf.Tensor4D, predX0: p.predX0 };
          });
        } finally {
          noise?.dispose();
        }
      },
    };
  },
};

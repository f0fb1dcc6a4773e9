import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';
import { randomNormal } from '../random-normal';
import { denoisedEstimates } from './denoised-estimates';
import { checkClipDenoised, samplerProcess } from './process-timesteps';
import type { Sampler, SamplerFactory } from './sampler';

/**
 * DDIM (Song et al. 2021, eq. 12): x_{t−1} = √ᾱ_{t−1} x̂_0 + √(1 − ᾱ_{t−1} − σ_t²) ε̂ + σ_t z with
 * σ_t = η √((1 − ᾱ_{t−1})/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_{t−1}). η = 0 is deterministic.
 */
export const ddimSampler: SamplerFactory = {
  name: 'ddim',
  create(base, options = {}): Sampler {
    const { diffusion, timesteps } = samplerProcess(base, options);
    const clipDenoised = checkClipDenoised(options.clipDenoised);
    const eta = options.eta ?? 0;
    // η > 1 would make σ_t² exceed 1 − ᾱ_{t−1}, leaving no valid coefficient for ε̂.
    if (typeof eta !== 'number' || !(eta >= 0 && eta <= 1)) throw errors.invalidArgument('eta', 'a number in [0, 1]', eta);
    const { alphasCumprod, alphasCumprodPrev } = diffusion.coefficients;
    return {
      name: 'ddim',
      diffusion,
      timesteps,
      step({ modelOutput, t, xt, rng, classifierGradient }) {
        const [alphaBar, alphaBarPrev] = [alphasCumprod[t]!, alphasCumprodPrev[t]!];
        const sigma = eta * Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * Math.sqrt(1 - alphaBar / alphaBarPrev);
        const noise = t > 0 && sigma > 0 ? randomNormal<tf.Rank.R4>(rng, xt.shape) : undefined;
        try {
          return tf.tidy(() => {
            const { predX0, predEps: eps } = denoisedEstimates(diffusion, modelOutput, xt, t, { clipDenoised, classifierGradient });
            // 1 − ᾱ_{t−1} − σ² ≥ 0 for η ≤ 1; the max only absorbs float64 rounding at η = 1.
            const epsCoefficient = Math.sqrt(Math.max(0, 1 - alphaBarPrev - sigma * sigma));
            const mean = tf.add(tf.mul(Math.sqrt(alphaBarPrev), predX0), tf.mul(epsCoefficient, eps));
            const prev = noise === undefined ? mean : tf.add(mean, tf.mul(sigma, noise));
            return { prev: prev as tf.Tensor4D, predX0 };
          });
        } finally {
          noise?.dispose();
        }
      },
    };
  },
};

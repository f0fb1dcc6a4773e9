import * as tf from '@tensorflow/tfjs-core';
import type { GaussianDiffusion } from '../diffusion/gaussian-diffusion';

export interface DenoisedEstimateOptions {
  /** Clip x̂_0 to [−1, 1] (and make ε̂ consistent with the clipped x̂_0). */
  readonly clipDenoised: boolean;
  /** Classifier guidance s·∇ₓ log p(y | x_t), already scaled, applied in score form. */
  readonly classifierGradient?: tf.Tensor4D | undefined;
}

/**
 * The model's estimates of x_0 and ε at process index t, for the samplers that step the
 * probability-flow ODE (DDIM, DPM-Solver++). Classifier guidance enters in score form
 * (Dhariwal & Nichol 2021, alg. 2): ε̂ ← ε̂ − √(1 − ᾱ_t)·g, and x̂_0 is recomputed from the shifted ε̂,
 * clipped and made consistent exactly as without guidance. Call it inside `tf.tidy`.
 */
export function denoisedEstimates(
  diffusion: GaussianDiffusion,
  modelOutput: tf.Tensor4D,
  xt: tf.Tensor4D,
  t: number,
  options: DenoisedEstimateOptions,
): { predX0: tf.Tensor4D; predEps: tf.Tensor4D } {
  const { clipDenoised, classifierGradient } = options;
  const p = diffusion.pMeanVariance(modelOutput, xt, t, { clipDenoised });
  if (classifierGradient === undefined) return { predX0: p.predX0, predEps: p.predEps };
  let predEps = tf.sub(p.predEps, tf.mul(diffusion.coefficients.sqrtOneMinusAlphasCumprod[t]!, classifierGradient)) as tf.Tensor4D;
  let predX0 = diffusion.predictX0FromEps(xt, t, predEps);
  if (clipDenoised) {
    predX0 = tf.clipByValue(predX0, -1, 1);
    predEps = diffusion.predictEpsFromX0(xt, t, predX0);
  }
  return { predX0, predEps };
}

import * as tf from '@tensorflow/tfjs-core';
import type { DenoiseFn } from '../contracts/denoiser';
import type { ModelOutputType } from '../diffusion/parameterization';
import type { NoiseSchedule } from '../schedules/noise-schedule';

export interface GaussianOracleOptions {
  /** The schedule the oracle was "trained" on; it is called with that schedule's timesteps. */
  readonly schedule: NoiseSchedule;
  /** Data mean μ: a number, or an image [1, H, W, C] (with `std` 0, a single data point x*). */
  readonly mean: number | tf.Tensor4D;
  /** Data standard deviation σ ≥ 0 (every pixel independent). */
  readonly std: number;
  readonly output: ModelOutputType;
}

/**
 * The exact optimal denoiser for data x_0 ~ N(μ, σ²I): with x_t = √ᾱ x_0 + √(1−ᾱ) ε,
 *   E[x_0 | x_t] = μ + √ᾱ σ² (x_t − √ᾱ μ) / (ᾱσ² + 1 − ᾱ),
 *   E[ε | x_t]  = √(1−ᾱ) (x_t − √ᾱ μ) / (ᾱσ² + 1 − ᾱ),
 *   E[v | x_t]  = √ᾱ E[ε | x_t] − √(1−ᾱ) E[x_0 | x_t].
 * A sampler driven by it must reproduce N(μ, σ²), and with σ = 0 return μ itself.
 */
export function gaussianOracle(options: GaussianOracleOptions): DenoiseFn & { dispose(): void } {
  const { schedule, std, output } = options;
  const variance = std * std;
  // Per-timestep coefficients in float64 (1 − ᾱ in float32 would cancel catastrophically near t = 0).
  const perStep = (fn: (alphaBar: number) => number) =>
    tf.keep(tf.tensor1d(Float32Array.from(schedule.alphasCumprod, fn), 'float32'));
  const sqrtAlphaBars = perStep((ab) => Math.sqrt(ab));
  const sqrtOneMinusAlphaBars = perStep((ab) => Math.sqrt(1 - ab));
  const inverseDenominators = perStep((ab) => 1 / (ab * variance + 1 - ab));
  const mean = typeof options.mean === 'number' ? tf.keep(tf.scalar(options.mean)) : tf.keep(options.mean.clone());
  const denoise: DenoiseFn = (x, t) =>
    tf.tidy(() => {
      const pick = (table: tf.Tensor1D) => tf.reshape(tf.gather(table, t), [-1, 1, 1, 1]);
      const sqrtAlphaBar = pick(sqrtAlphaBars);
      const sqrtOneMinus = pick(sqrtOneMinusAlphaBars);
      const residual = tf.mul(tf.sub(x, tf.mul(sqrtAlphaBar, mean)), pick(inverseDenominators));
      const eps = tf.mul(sqrtOneMinus, residual);
      const x0 = tf.add(mean, tf.mul(tf.mul(sqrtAlphaBar, variance), residual));
      if (output === 'eps') return eps as tf.Tensor4D;
      if (output === 'x0') return tf.broadcastTo(x0, x.shape) as tf.Tensor4D;
      return tf.sub(tf.mul(sqrtAlphaBar, eps), tf.mul(sqrtOneMinus, x0)) as tf.Tensor4D;
    });
  return Object.assign(denoise, { dispose: () => tf.dispose([sqrtAlphaBars, sqrtOneMinusAlphaBars, inverseDenominators, mean]) });
}

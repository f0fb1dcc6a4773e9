import * as tf from '@tensorflow/tfjs-core';
import { silu } from './ops/silu';

/** The reference's `max_period`: the slowest sinusoid has this period in timesteps. */
export const MAX_PERIOD = 10000;

/**
 * Sinusoidal embedding of (possibly fractional) timesteps, as guided-diffusion's
 * `timestep_embedding` (after Vaswani et al. 2017 §3.5): with half = ⌊dim/2⌋ and
 * f_i = exp(−ln(max_period)·i/half), the row for t is [cos(t·f_0…), sin(t·f_0…)], cosines first,
 * zero-padded to `dim` when it is odd.
 *
 * @param t float32 or int32 [B]
 * @returns float32 [B, dim]
 */
export function timestepEmbedding(t: tf.Tensor1D, dim: number, maxPeriod = MAX_PERIOD): tf.Tensor2D {
  return tf.tidy(() => {
    const half = Math.floor(dim / 2);
    // Frequencies as float32 the way the reference computes them: exp(float32(−ln P · i / half)).
    const freqs = new Float32Array(half);
    const logP = Math.fround(-Math.log(maxPeriod));
    for (let i = 0; i < half; i++) freqs[i] = Math.exp(Math.fround(Math.fround(logP * i) / half));
    const args = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), tf.tensor2d(freqs, [1, half]));
    const parts = [tf.cos(args), tf.sin(args)];
    if (dim % 2 === 1) parts.push(tf.zeros([t.shape[0], 1]));
    return tf.concat(parts, 1) as tf.Tensor2D;
  });
}

/**
 * The reference's `time_embed`: Linear(model_channels → 4·model_channels) → SiLU → Linear, applied
 * to the sinusoidal embedding of `t`. `prefix` names the module (`time_embed`, or `aug_embed`).
 */
export function embeddingMlp(param: (name: string) => tf.Tensor, prefix: string, t: tf.Tensor1D, modelChannels: number): tf.Tensor2D {
  const dense = (x: tf.Tensor2D, layer: string) => tf.add(tf.matMul(x, param(`${prefix}.${layer}.weight`) as tf.Tensor2D), param(`${prefix}.${layer}.bias`)) as tf.Tensor2D;
  const hidden = dense(timestepEmbedding(t, modelChannels), '0');
  return dense(silu(hidden), '2');
}

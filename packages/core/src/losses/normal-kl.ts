import * as tf from '@tensorflow/tfjs-core';
import { broadcastShape, type TensorOrNumber } from './broadcast';

/**
 * KL(N(μ₁, σ₁²) ‖ N(μ₂, σ₂²)) in nats, elementwise, from means and log-variances:
 *
 *   KL = ½ (−1 + log σ₂² − log σ₁² + σ₁²/σ₂² + (μ₁ − μ₂)²/σ₂²)
 *
 * the closed form behind the variational bound's L_{t−1} terms (Ho et al. 2020 eq. 5;
 * Nichol & Dhariwal 2021 eq. 4–6). The operands broadcast against each other (a plain number
 * stands for a scalar, e.g. `normalKl(mean, logVar, 0, 0)` for the KL to the standard normal);
 * the result has their broadcast shape. Identical Gaussians give exactly 0.
 */
export function normalKl(
  mean1: TensorOrNumber,
  logVar1: TensorOrNumber,
  mean2: TensorOrNumber,
  logVar2: TensorOrNumber,
): tf.Tensor {
  broadcastShape({ mean1, logVar1, mean2, logVar2 });
  return tf.tidy(() => {
    const varianceRatio = tf.exp(tf.sub(logVar1, logVar2));
    const scaledSquaredDiff = tf.mul(tf.square(tf.sub(mean1, mean2)), tf.exp(tf.neg(logVar2)));
    const sum = tf.add(tf.add(tf.sub(tf.sub(logVar2, logVar1), 1), varianceRatio), scaledSquaredDiff);
    return tf.mul(sum, 0.5);
  });
}

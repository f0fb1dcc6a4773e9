import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';

/**
 * The mean over every axis but the first: [B, …] → [B]. Turns elementwise losses into one
 * value per example, as the training losses and the bits/dim of the variational bound need.
 * The result is float32; a rank-1 input comes back as a (float32) copy.
 */
export function meanFlat(x: tf.Tensor): tf.Tensor1D {
  if (x.rank === 0) throw errors.shapeMismatch('x', 'rank ≥ 1 with the batch on the first axis', x.shape);
  if (x.rank === 1) return tf.cast(x, 'float32') as tf.Tensor1D;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
  return tf.mean(x, axes) as tf.Tensor1D;
}

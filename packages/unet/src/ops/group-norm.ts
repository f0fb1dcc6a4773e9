import * as tf from '@tensorflow/tfjs-core';

/** PyTorch's `nn.GroupNorm` default ε. */
export const GROUP_NORM_EPSILON = 1e-5;

/**
 * GroupNorm (Wu & He 2018) over NHWC features: each example's channels split into `groups`
 * groups, normalised over (H, W, channels in the group) with the biased variance, then scaled
 * and shifted per channel. Kept 4-D ([B, HW, G, C/G]) so every backend runs it.
 */
export function groupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor, affine = true): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normalised = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, GROUP_NORM_EPSILON)));
  const back: tf.Tensor4D = tf.reshape(normalised, [b, h, w, c]);
  return affine ? (tf.add(tf.mul(back, gamma), beta) as tf.Tensor4D) : back;
}

import * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, hasFusedGroupNorm } from '@cdm/core';

/** PyTorch's `nn.GroupNorm` default ε. */
export const GROUP_NORM_EPSILON = 1e-5;

/**
 * GroupNorm (Wu & He 2018) over NHWC features: each example's channels split into `groups`
 * groups, normalised over (H, W, channels in the group) with the biased variance, then scaled
 * and shifted per channel. Runs as @cdm/core's fused GroupNorm kernels where the backend has them
 * (one kernel forward, one backward), else as a composite kept 4-D ([B, HW, G, C/G]) so every
 * backend runs it.
 */
export function groupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor, affine = true): tf.Tensor4D {
  if (affine && x.dtype === 'float32' && hasFusedGroupNorm()) return fusedGroupNorm(x, groups, gamma, beta);
  return compositeGroupNorm(x, groups, gamma, beta, affine);
}

/** The composite: tf.moments, then (x − μ)·rsqrt(σ² + ε), then the affine map. */
export function compositeGroupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor, affine = true): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normalised = tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, GROUP_NORM_EPSILON)));
  const back: tf.Tensor4D = tf.reshape(normalised, [b, h, w, c]);
  return affine ? (tf.add(tf.mul(back, gamma), beta) as tf.Tensor4D) : back;
}

/** The fused kernels, with their gradient kernel as the custom gradient of x, gamma and beta. */
function fusedGroupNorm(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, shift, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x: input, gamma: scale, beta: shift }, { groups, epsilon: GROUP_NORM_EPSILON }) as tf.Tensor[];
    save([input, mean!, rstd!, scale]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, r, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dgamma, dbeta] = tf.engine().runKernel(GROUP_NORM_GRAD_KERNEL, { dy, x: xs, mean: mu, rstd: r, gamma: g }, { groups }) as tf.Tensor[];
        return [dx!, dgamma!, dbeta!];
      },
    };
  });
  return run(x, gamma, beta) as tf.Tensor4D;
}

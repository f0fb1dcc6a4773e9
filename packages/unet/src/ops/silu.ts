import * as tf from '@tensorflow/tfjs-core';
import { SILU_GRAD_KERNEL, SILU_KERNEL, hasFusedSilu } from '@cdm/core';

/**
 * SiLU / swish: x · σ(x) (Elfwing et al. 2018), as the reference's `nn.SiLU`. Runs as @cdm/core's
 * fused SiLU kernels where the backend has them (one kernel forward, one backward), else as
 * Sigmoid and Mul.
 */
export function silu<T extends tf.Tensor>(x: T): T {
  if (x.dtype === 'float32' && hasFusedSilu()) return fusedSilu(x);
  return compositeSilu(x);
}

/** The composite: tf.mul(x, tf.sigmoid(x)), whose gradient tfjs derives. */
export function compositeSilu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** The fused kernels, with the gradient kernel as the custom gradient. */
function fusedSilu<T extends tf.Tensor>(x: T): T {
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: tf.engine().runKernel(SILU_KERNEL, { x: input }) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(SILU_GRAD_KERNEL, { dy, x: saved[0]! }) as tf.Tensor,
    };
  });
  return run(x) as T;
}

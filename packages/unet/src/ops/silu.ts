import * as tf from '@tensorflow/tfjs-core';

/** SiLU / swish: x · σ(x) (Elfwing et al. 2018), as the reference's `nn.SiLU`. */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

import * as tf from '@tensorflow/tfjs-core';
import { DROPOUT_KERNEL, dropoutAttrs, dropoutMask, hasFusedDropout, type DropoutAttrs, type Rng } from '@cdm/core';

/**
 * Inverted dropout at `rate` (kept activations scaled by 1 / (1 − rate)), with @cdm/core's Philox
 * mask: two 32-bit words drawn from the network's seeded generator are the key, and the mask is a
 * function of the key and each element's index. Runs as the backend's fused `CdmDropout` kernel
 * where it has one, else as a multiply by the mask built in JavaScript: the same elements are
 * dropped either way.
 */
export function dropout(h: tf.Tensor4D, rate: number, rng: Rng): tf.Tensor4D {
  const attrs = dropoutAttrs(rate, Math.floor(rng.uniform() * 2 ** 32), Math.floor(rng.uniform() * 2 ** 32));
  if (h.dtype === 'float32' && hasFusedDropout()) return fusedDropout(h, attrs);
  return tf.mul(h, tf.tensor4d(dropoutMask(h.size, attrs), h.shape));
}

/** The fused kernel both ways: dropout is linear in its input, so dy goes through the same mask. */
function fusedDropout(h: tf.Tensor4D, attrs: DropoutAttrs): tf.Tensor4D {
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input] = args as [tf.Tensor];
    return {
      value: tf.engine().runKernel(DROPOUT_KERNEL, { x: input }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
      gradFunc: (dy: tf.Tensor) => tf.engine().runKernel(DROPOUT_KERNEL, { x: dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
  });
  return run(h) as tf.Tensor4D;
}

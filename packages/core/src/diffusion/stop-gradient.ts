import * as tf from '@tensorflow/tfjs-core';

/** The identity whose gradient is zero (tfjs has no stop_gradient op of its own). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

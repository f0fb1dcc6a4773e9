import * as tf from '@tensorflow/tfjs-core';

/** The identity whose gradient is zero (tfjs has no stop_gradient op of its own). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng';

/**
 * A standard normal tensor drawn from `rng` in JavaScript, so the same seed gives the same
 * numbers on every backend (tfjs' own random ops differ between backends).
 */
export function randomNormal<R extends tf.Rank = tf.Rank>(rng: Rng, shape: readonly number[]): tf.Tensor<R> {
  const size = shape.reduce((a, b) => a * b, 1);
  const noise: tf.Tensor = tf.tensor(rng.normalArray(size), [...shape], 'float32');
  return noise as tf.Tensor<R>;
}

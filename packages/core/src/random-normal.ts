import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng';

/**
 * A standard normal tensor drawn from `rng` in JavaScript, so the same seed gives the same
 * numbers on every backend (tfjs' own random ops differ between backends).
 */
export function randomNormal<R extends tf.Rank>(rng: Rng, shape: tf.ShapeMap[R]): tf.Tensor<R> {
  const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
  return tf.tensor(rng.normalArray(size), shape as number[], 'float32') as tf.Tensor<R>;
}

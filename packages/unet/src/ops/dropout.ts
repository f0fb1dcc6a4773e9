import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@cdm/core';

/** Inverted dropout with a mask drawn in JavaScript from the network's seeded generator. */
export function dropout(h: tf.Tensor4D, rate: number, rng: Rng): tf.Tensor4D {
  const mask = rng.uniformArray(h.size);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i]! < rate ? 0 : keep;
  return tf.mul(h, tf.tensor4d(mask, h.shape));
}

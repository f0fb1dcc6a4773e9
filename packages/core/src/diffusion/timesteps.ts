import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';

/** Timesteps for a batch: one index for every example, or one per example. */
export type Timesteps = number | ArrayLike<number>;

/** Validates `t` against the process and expands it to one int per example. */
export function resolveTimesteps(t: Timesteps, batchSize: number, numTimesteps: number, arg = 't'): Int32Array {
  const values = typeof t === 'number' ? new Array<number>(batchSize).fill(t) : Array.from(t);
  if (values.length !== batchSize) {
    throw errors.invalidArgument(arg, `one timestep or ${batchSize} (the batch size)`, `${values.length} values`);
  }
  for (const value of values) {
    if (!Number.isInteger(value)) throw errors.invalidArgument(arg, 'integer timesteps', value);
    if (value < 0 || value >= numTimesteps) throw errors.timestepOutOfRange(arg, value, numTimesteps);
  }
  return Int32Array.from(values);
}

/**
 * Picks `coefficient[t_b]` for every example b, as a float32 tensor of shape [B, 1, …, 1] that
 * broadcasts against a batch of rank `rank` (the reference's `_extract_into_tensor`).
 */
export function gatherCoefficient(coefficient: Float64Array, t: Int32Array, rank = 4): tf.Tensor {
  const values = Float32Array.from(t, (index) => coefficient[index]!);
  return tf.tensor(values, [t.length, ...new Array<number>(rank - 1).fill(1)], 'float32');
}

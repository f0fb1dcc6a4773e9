import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` with each parameter holding the tensor of the same name in `weights` (e.g. the EMA),
 * then gives every parameter back exactly the tensor it held before (the same values, bit for bit),
 * also when `fn` throws.
 */
export async function withWeights<T>(parameters: ReadonlyMap<string, tf.Variable>, weights: ReadonlyMap<string, tf.Tensor>, fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, tf.Tensor>();
  for (const [name, parameter] of parameters) saved.set(name, tf.clone(parameter));
  try {
    for (const [name, parameter] of parameters) parameter.assign(weights.get(name)!);
    return await fn();
  } finally {
    for (const [name, parameter] of parameters) parameter.assign(saved.get(name)!);
    tf.dispose([...saved.values()]);
  }
}

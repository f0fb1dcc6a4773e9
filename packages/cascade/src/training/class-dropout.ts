import { errors, type Rng } from '@cdm/core';

/**
 * Classifier-free guidance training (Ho & Salimans 2022, Algorithm 1): each label is replaced by
 * the null class with probability `probability`, one uniform draw from `rng` per example (drawn
 * even when the probability is 0 or 1, so the random stream does not depend on it). Returns a new array.
 */
export function dropClassLabels(labels: ArrayLike<number>, probability: number, nullClass: number, rng: Rng): Int32Array {
  if (!(probability >= 0 && probability <= 1)) throw errors.invalidArgument('classDropout', 'a probability in [0, 1]', probability);
  const out = Int32Array.from(labels);
  for (let i = 0; i < out.length; i++) if (rng.uniform() < probability) out[i] = nullClass;
  return out;
}

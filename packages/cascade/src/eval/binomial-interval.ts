import { errors } from '@cdm/core';

/** z of a two-sided 95 % normal interval: Φ⁻¹(0.975). */
export const Z_95 = 1.959963984540054;

/**
 * The Wilson score interval (Wilson 1927) of a proportion: `successes` of `trials`. Unlike p ± z·√(p(1−p)/n)
 * it stays inside [0, 1] and does not collapse to a point at 0 or 1 successes. For accuracies on a
 * test set it covers the sampling of the test images only (not, for CAS, the classifier's training).
 */
export function wilsonInterval(successes: number, trials: number, z = Z_95): { readonly low: number; readonly high: number } {
  if (!Number.isInteger(trials) || trials < 1) throw errors.invalidArgument('trials', 'a positive integer', trials);
  if (!(successes >= 0 && successes <= trials)) throw errors.invalidArgument('successes', `a count in 0…${trials}`, successes);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

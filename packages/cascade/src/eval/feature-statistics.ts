import { errors } from '@cdm/core';

/** A Gaussian fit of a set of feature vectors, in float64, and who produced the features. */
export interface FeatureStatistics {
  /** [d]. */
  readonly mean: Float64Array;
  /** [d, d] row-major, unbiased (divided by count − 1, as numpy's `cov`). */
  readonly covariance: Float64Array;
  readonly count: number;
  /** The feature extractor's name: statistics from different extractors are not comparable. */
  readonly extractor: string;
}

/** Checks that `features` holds n rows of d values. */
export function checkFeatures(what: string, features: ArrayLike<number>, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw errors.invalidArgument(`${what} count`, 'a positive integer', n);
  if (!Number.isInteger(d) || d < 1) throw errors.invalidArgument('feature dimension', 'a positive integer', d);
  if (features.length !== n * d) throw errors.invalidArgument(what, `${n}×${d} = ${n * d} values`, `${features.length} values`);
}

/**
 * Mean and covariance of n feature vectors of dimension d (row-major), accumulated in float64
 * from the centred data (two passes, so large means do not cancel the variances).
 */
export function featureStatistics(features: ArrayLike<number>, n: number, d: number, extractor: string): FeatureStatistics {
  checkFeatures('features', features, n, d);
  if (n < 2) throw errors.invalidArgument('features count', 'at least 2 vectors to estimate a covariance', n);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += features[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const covariance = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = features[i * d + j]! - mean[j]!;
    for (let j = 0; j < d; j++) {
      const rj = row[j]!;
      if (rj === 0) continue;
      const base = j * d;
      for (let k = j; k < d; k++) covariance[base + k]! += rj * row[k]!;
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const c = covariance[j * d + k]! / (n - 1);
      covariance[j * d + k] = c;
      covariance[k * d + j] = c;
    }
  }
  return { mean, covariance, count: n, extractor };
}

import { errors } from '@cdm/core';
import type { FeatureStatistics } from './feature-statistics';
import { fromEigen, multiply, symmetricEigen } from './symmetric-eigen';

/** A Fréchet distance and how its matrix square roots went. */
export interface FidResult {
  readonly fid: number;
  readonly extractor: string;
  /** ‖μ₁ − μ₂‖². */
  readonly meanTerm: number;
  /** tr(Σ₁ + Σ₂ − 2(√Σ₁ Σ₂ √Σ₁)^½). */
  readonly covarianceTerm: number;
  /**
   * Eigenvalues below zero that were clamped to 0 (in Σ₁ and in √Σ₁Σ₂√Σ₁; both are positive
   * semi-definite in exact arithmetic, so these are round-off), and the most negative one relative
   * to the largest eigenvalue of its matrix. A relative value far from 0 (say below −1e-6) means
   * the statistics are not valid covariances.
   */
  readonly clampedEigenvalues: number;
  readonly mostNegativeRelative: number;
}

/**
 * The Fréchet Inception Distance (Heusel et al. 2017) between two Gaussian fits of features:
 * d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½), with tr((Σ₁Σ₂)^½) computed in the symmetric form
 * tr((√Σ₁ Σ₂ √Σ₁)^½) (the matrices are similar, so the traces agree): √Σ₁ from a symmetric
 * eigendecomposition, then the eigenvalues of the symmetric PSD product, clamped at 0 before the
 * square root. All in float64. The result is clamped at 0 (round-off can make identical sets −1e-12).
 *
 * @throws CDM_INVALID_ARGUMENT when the statistics come from different extractors or dimensions.
 */
export function fid(a: FeatureStatistics, b: FeatureStatistics): FidResult {
  const d = a.mean.length;
  if (a.extractor !== b.extractor) {
    throw errors.invalidArgument('statistics', `two sets from the same feature extractor (FIDs of different extractors are not comparable)`, [a.extractor, b.extractor]);
  }
  if (b.mean.length !== d || a.covariance.length !== d * d || b.covariance.length !== d * d) {
    throw errors.invalidArgument('statistics', 'means of one dimension d and d×d covariances', [a.mean.length, b.mean.length]);
  }
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < d; i++) traces += a.covariance[i * d + i]! + b.covariance[i * d + i]!;

  let clamped = 0;
  let mostNegativeRelative = 0;
  const clampNegative = (values: Float64Array) => {
    const largest = Math.max(0, ...values);
    for (const v of values) {
      if (v < 0) {
        clamped++;
        if (largest > 0) mostNegativeRelative = Math.min(mostNegativeRelative, v / largest);
      }
    }
  };
  const eigenA = symmetricEigen(a.covariance, d);
  clampNegative(eigenA.values);
  const sqrtA = fromEigen(eigenA, (v) => Math.sqrt(Math.max(0, v)));
  const product = multiply(multiply(sqrtA, b.covariance, d), sqrtA, d); // √Σ₁ Σ₂ √Σ₁
  const eigenProduct = symmetricEigen(product, d);
  clampNegative(eigenProduct.values);
  let traceSqrt = 0;
  for (const v of eigenProduct.values) traceSqrt += Math.sqrt(Math.max(0, v));

  const covarianceTerm = traces - 2 * traceSqrt;
  return { fid: Math.max(0, meanTerm + covarianceTerm), extractor: a.extractor, meanTerm, covarianceTerm, clampedEigenvalues: clamped, mostNegativeRelative };
}

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
  return fidFromRoot(a, covarianceRoot(a), b);
}

/** √Σ of a set's covariance, from its symmetric eigendecomposition (negative eigenvalues clamped to 0 and counted). */
export interface CovarianceRoot {
  readonly sqrt: Float64Array;
  readonly clamped: number;
  /** The most negative eigenvalue relative to the largest (0 when none is negative). */
  readonly mostNegativeRelative: number;
}

function clampCount(values: Float64Array): { clamped: number; mostNegativeRelative: number } {
  const largest = Math.max(0, ...values);
  let clamped = 0;
  let mostNegativeRelative = 0;
  for (const v of values) {
    if (v < 0) {
      clamped++;
      if (largest > 0) mostNegativeRelative = Math.min(mostNegativeRelative, v / largest);
    }
  }
  return { clamped, mostNegativeRelative };
}

/** √Σ₁ for {@link fidFromRoot}: compute it once to compare one set with many. */
export function covarianceRoot(a: FeatureStatistics): CovarianceRoot {
  const eigen = symmetricEigen(a.covariance, a.mean.length);
  return { sqrt: fromEigen(eigen, (v) => Math.sqrt(Math.max(0, v))), ...clampCount(eigen.values) };
}

/** {@link fid} with √Σ₁ given (from {@link covarianceRoot} of `a`): the same numbers, one eigendecomposition fewer. */
export function fidFromRoot(a: FeatureStatistics, root: CovarianceRoot, b: FeatureStatistics): FidResult {
  const d = a.mean.length;
  if (a.extractor !== b.extractor) {
    throw errors.invalidArgument('statistics', `two sets from the same feature extractor (FIDs of different extractors are not comparable)`, [a.extractor, b.extractor]);
  }
  if (b.mean.length !== d || a.covariance.length !== d * d || b.covariance.length !== d * d || root.sqrt.length !== d * d) {
    throw errors.invalidArgument('statistics', 'means of one dimension d and d×d covariances', [a.mean.length, b.mean.length]);
  }
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i]! - b.mean[i]!) ** 2;
  let traces = 0;
  for (let i = 0; i < d; i++) traces += a.covariance[i * d + i]! + b.covariance[i * d + i]!;
  const product = multiply(multiply(root.sqrt, b.covariance, d), root.sqrt, d); // √Σ₁ Σ₂ √Σ₁
  const eigenProduct = symmetricEigen(product, d);
  const negatives = clampCount(eigenProduct.values);
  let traceSqrt = 0;
  for (const v of eigenProduct.values) traceSqrt += Math.sqrt(Math.max(0, v));

  const covarianceTerm = traces - 2 * traceSqrt;
  return {
    fid: Math.max(0, meanTerm + covarianceTerm),
    extractor: a.extractor,
    meanTerm,
    covarianceTerm,
    clampedEigenvalues: root.clamped + negatives.clamped,
    mostNegativeRelative: Math.min(root.mostNegativeRelative, negatives.mostNegativeRelative),
  };
}

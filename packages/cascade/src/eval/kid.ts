import { createRng, errors, type Rng } from '@cdm/core';
import { checkFeatures } from './feature-statistics';

/** The Kernel Inception Distance: the mean and spread of unbiased MMD² estimates over random subsets. */
export interface KidResult {
  /** Mean of the subsets' MMD² estimates: the KID. Can be slightly negative (the estimator is unbiased). */
  readonly mean: number;
  /** Population standard deviation of the subsets' estimates (numpy's std, as common implementations report). */
  readonly std: number;
  readonly subsets: number;
  readonly subsetSize: number;
  readonly extractor?: string;
}

export interface KidOptions {
  /** Random subsets; default 100. */
  readonly subsets?: number;
  /** Rows drawn (without replacement) from each set per subset; default min(1000, nReal, nFake). */
  readonly subsetSize?: number;
  /** Seeds the subset draws; default 0. */
  readonly seed?: number;
  readonly extractor?: string;
  /**
   * The three kernel matrices over the whole sets are computed once when they have at most this many
   * entries in all (8 bytes each); otherwise each subset's kernel values are computed afresh.
   * Default 2^23 (64 MiB). The result does not depend on it beyond round-off.
   */
  readonly maxKernelEntries?: number;
}

/** The cubic polynomial kernel of KID: k(x, y) = (xᵀy / d + 1)³. */
export function kernel(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let dot = 0;
  const ai = i * d;
  const bj = j * d;
  for (let c = 0; c < d; c++) dot += a[ai + c]! * b[bj + c]!;
  const base = dot / d + 1;
  return base * base * base;
}

/** All kernel values between the rows of `a` (na × d) and `b` (nb × d), row-major [na × nb]; symmetric when `a === b`. */
export function kernelMatrix(a: Float64Array, na: number, b: Float64Array, nb: number, d: number): Float64Array {
  const out = new Float64Array(na * nb);
  const symmetric = a === b;
  for (let i = 0; i < na; i++) {
    for (let j = symmetric ? i : 0; j < nb; j++) {
      const v = kernel(a, i, b, j, d);
      out[i * nb + j] = v;
      if (symmetric) out[j * nb + i] = v;
    }
  }
  return out;
}

/** Draws `m` distinct indices of 0…n−1 into `out` (a partial Fisher–Yates shuffle of `pool`, which stays a permutation). */
function drawSubset(rng: Rng, pool: Uint32Array, m: number, out: Uint32Array): void {
  const n = pool.length;
  for (let j = 0; j < m; j++) {
    const r = j + rng.int(n - j);
    const t = pool[j]!;
    pool[j] = pool[r]!;
    pool[r] = t;
    out[j] = pool[j]!;
  }
}

/**
 * The Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the squared
 * maximum mean discrepancy between the real and generated features under the kernel
 * k(x, y) = (xᵀy/d + 1)³, estimated without bias on `subsets` random subsets of `subsetSize` rows
 * of each set, as in the common implementations (torch-fidelity, clean-fid):
 *
 *   MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m−1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²
 *
 * Kernel values are accumulated in float64. Unlike FID it has no bias in the number of samples, so
 * KIDs at different n are comparable (their spread is not). When `subsetSize` equals both set sizes
 * every subset is the whole set (in another order) and `std` is 0 up to round-off.
 */
export function kid(real: ArrayLike<number>, fake: ArrayLike<number>, nReal: number, nFake: number, d: number, options: KidOptions = {}): KidResult {
  checkFeatures('real features', real, nReal, d);
  checkFeatures('fake features', fake, nFake, d);
  const { subsets = 100, seed = 0, maxKernelEntries = 2 ** 23 } = options;
  const m = options.subsetSize ?? Math.min(1000, nReal, nFake);
  if (!Number.isInteger(subsets) || subsets < 1) throw errors.invalidArgument('subsets', 'a positive integer', subsets);
  if (!Number.isInteger(m) || m < 2 || m > Math.min(nReal, nFake)) {
    throw errors.invalidArgument('subsetSize', `an integer in 2…${Math.min(nReal, nFake)} (at most the smaller set)`, m);
  }
  const x = Float64Array.from(real);
  const y = Float64Array.from(fake);
  const cached = nReal * nReal + nFake * nFake + nReal * nFake <= maxKernelEntries;
  const kxx = cached ? kernelMatrix(x, nReal, x, nReal, d) : undefined;
  const kyy = cached ? kernelMatrix(y, nFake, y, nFake, d) : undefined;
  const kxy = cached ? kernelMatrix(x, nReal, y, nFake, d) : undefined;

  const rng = createRng(seed);
  const poolX = Uint32Array.from({ length: nReal }, (_, i) => i);
  const poolY = Uint32Array.from({ length: nFake }, (_, i) => i);
  const ix = new Uint32Array(m);
  const iy = new Uint32Array(m);
  const estimates = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    drawSubset(rng, poolX, m, ix);
    drawSubset(rng, poolY, m, iy);
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let a = 0; a < m; a++) {
      const i = ix[a]!;
      const p = iy[a]!;
      for (let b = a + 1; b < m; b++) {
        sxx += kxx === undefined ? kernel(x, i, x, ix[b]!, d) : kxx[i * nReal + ix[b]!]!;
        syy += kyy === undefined ? kernel(y, p, y, iy[b]!, d) : kyy[p * nFake + iy[b]!]!;
      }
      for (let b = 0; b < m; b++) sxy += kxy === undefined ? kernel(x, i, y, iy[b]!, d) : kxy[i * nFake + iy[b]!]!;
    }
    estimates[s] = (2 * sxx + 2 * syy) / (m * (m - 1)) - (2 * sxy) / (m * m);
  }
  let mean = 0;
  for (const e of estimates) mean += e;
  mean /= subsets;
  let variance = 0;
  for (const e of estimates) variance += (e - mean) ** 2;
  return {
    mean,
    std: Math.sqrt(variance / subsets),
    subsets,
    subsetSize: m,
    ...(options.extractor === undefined ? {} : { extractor: options.extractor }),
  };
}

import { createRng, errors } from '@cdm/core';
import { bootstrapInterval, drawCounts, gather, present, type BootstrapInterval } from './bootstrap';
import { checkFeatures, featureStatistics, type FeatureStatistics } from './feature-statistics';
import { covarianceRoot, fidFromRoot } from './fid';
import { kernelMatrix } from './kid';

/** One evaluated set of samples in a {@link pairedComparison}. */
export interface ComparedSet {
  readonly name: string;
  /** [count, d] features of the samples. */
  readonly features: ArrayLike<number>;
  readonly count: number;
  /**
   * Sets with the same pairing are resampled with the same row indices: use it when row i of each
   * came from the same input (e.g. rows of `cdm eval --handover` runs from one hand-over file), so
   * that what the inputs share cancels in their differences. Sets without one are resampled alone.
   */
  readonly pairing?: string;
}

export interface PairedComparisonOptions {
  /** Bootstrap resamples B; default 200. */
  readonly resamples?: number;
  /** Seeds the resampling; default 0. */
  readonly seed?: number;
}

/**
 * FID and KID of several sample sets against one real set, on the full sets and on B joint bootstrap
 * resamples: in each resample the real rows are drawn once for every set, and sets that share a
 * pairing share their draw. Contrasts between sets ({@link contrast}) then get percentile intervals
 * in which the variation the sets have in common (the real reference, the shared inputs) cancels,
 * which independent intervals cannot do.
 */
export interface PairedComparison {
  readonly names: readonly string[];
  /** FID of each set on the full sets. */
  readonly fid: Float64Array;
  /** KID of each set on the full sets: the unbiased MMD² with the cubic kernel (Bińkowski et al. 2018), on all rows at once. */
  readonly kid: Float64Array;
  /** [set][b]: FID of each resample. */
  readonly fidResampled: readonly Float64Array[];
  /** [set][b]: the unbiased MMD² of each resample (pairs of copies of one row count as distinct pairs). */
  readonly kidResampled: readonly Float64Array[];
  readonly resamples: number;
  readonly seed: number;
}

/** The extractor name on every set's statistics: the caller vouches that all features come from one extractor. */
const SAME = 'compared';

/** Mean and covariance of the rows of `features` repeated by `counts`, as {@link featureStatistics} computes them for the repeated rows. */
function weightedStatistics(features: ArrayLike<number>, counts: Uint32Array, d: number): FeatureStatistics {
  const rows = gather(features, counts, d);
  return featureStatistics(rows, rows.length / d, d, SAME);
}

/**
 * Σ over ordered pairs of distinct positions of k(a_p, a_q), for the multiset of the rows of `kaa`
 * (n × n) repeated by `counts`: Σ_i Σ_j c_i c_j K_ij − Σ_i c_i K_ii (two copies of one row are a pair).
 */
function withinSum(kaa: Float64Array, n: number, counts: Uint32Array, rows: Uint32Array): number {
  let sum = 0;
  for (const i of rows) {
    const ci = counts[i]!;
    let inner = 0;
    for (const j of rows) inner += counts[j]! * kaa[i * n + j]!;
    sum += ci * inner - ci * kaa[i * n + i]!;
  }
  return sum;
}

/**
 * The unbiased MMD² (KID's estimator) of two multisets, rows of x repeated by `countsX` and rows of y
 * by `countsY`, from the kernel matrices K_xx (nx × nx), K_yy (ny × ny) and K_xy (nx × ny): what
 * {@link kid} computes on the repeated rows listed out, in O(distinct rows²).
 */
export function multisetMmd(kxx: Float64Array, kyy: Float64Array, kxy: Float64Array, countsX: Uint32Array, countsY: Uint32Array): number {
  const nx = countsX.length;
  const ny = countsY.length;
  const rowsX = present(countsX);
  const rowsY = present(countsY);
  let mx = 0;
  let my = 0;
  for (const c of countsX) mx += c;
  for (const c of countsY) my += c;
  let sxy = 0;
  for (const i of rowsX) {
    let inner = 0;
    for (const j of rowsY) inner += countsY[j]! * kxy[i * ny + j]!;
    sxy += countsX[i]! * inner;
  }
  return withinSum(kxx, nx, countsX, rowsX) / (mx * (mx - 1)) + withinSum(kyy, ny, countsY, rowsY) / (my * (my - 1)) - (2 * sxy) / (mx * my);
}

/**
 * Compares sample sets against one real set with a joint bootstrap ({@link PairedComparison}). Cost:
 * per set, two n² kernel matrices (8 bytes each) once, and per resample one covariance (n·d²), one
 * FID (d³) and the kernel sums over the distinct rows.
 */
export function pairedComparison(
  real: { readonly features: ArrayLike<number>; readonly count: number },
  sets: readonly ComparedSet[],
  d: number,
  options: PairedComparisonOptions = {},
): PairedComparison {
  const { resamples = 200, seed = 0 } = options;
  if (!Number.isInteger(resamples) || resamples < 2) throw errors.invalidArgument('resamples', 'an integer ≥ 2', resamples);
  if (sets.length === 0) throw errors.invalidArgument('sets', 'at least one set of samples', 0);
  checkFeatures('real features', real.features, real.count, d);
  const pairCounts = new Map<string, number>();
  for (const set of sets) {
    checkFeatures(`${set.name} features`, set.features, set.count, d);
    if (set.count < 2) throw errors.invalidArgument(`${set.name} count`, 'at least 2 samples', set.count);
    if (set.pairing === undefined) continue;
    const seen = pairCounts.get(set.pairing);
    if (seen !== undefined && seen !== set.count) throw errors.invalidArgument(`${set.name} count`, `${seen} samples, like the other sets paired as "${set.pairing}"`, set.count);
    pairCounts.set(set.pairing, set.count);
  }
  const nr = real.count;
  const x = Float64Array.from(real.features);
  const kxx = kernelMatrix(x, nr, x, nr, d);
  const kernels = sets.map((set) => {
    const y = Float64Array.from(set.features);
    return { kyy: kernelMatrix(y, set.count, y, set.count, d), kxy: kernelMatrix(x, nr, y, set.count, d) };
  });

  // The full sets.
  const realStatistics = featureStatistics(real.features, nr, d, SAME);
  const realRoot = covarianceRoot(realStatistics);
  const all = (n: number) => new Uint32Array(n).fill(1);
  const kidOf = (k: number, countsX: Uint32Array, countsY: Uint32Array) => multisetMmd(kxx, kernels[k]!.kyy, kernels[k]!.kxy, countsX, countsY);
  const fullFid = Float64Array.from(sets, (set) => fidFromRoot(realStatistics, realRoot, featureStatistics(set.features, set.count, d, SAME)).fid);
  const fullKid = Float64Array.from(sets, (set, k) => kidOf(k, all(nr), all(set.count)));

  // The joint resamples.
  const rng = createRng(seed);
  const fidResampled = sets.map(() => new Float64Array(resamples));
  const kidResampled = sets.map(() => new Float64Array(resamples));
  for (let b = 0; b < resamples; b++) {
    const countsX = drawCounts(rng, nr);
    const statisticsX = weightedStatistics(real.features, countsX, d);
    const rootX = covarianceRoot(statisticsX); // once per resample, for every set
    const shared = new Map<string, Uint32Array>();
    sets.forEach((set, k) => {
      let countsY = set.pairing === undefined ? undefined : shared.get(set.pairing);
      if (countsY === undefined) {
        countsY = drawCounts(rng, set.count);
        if (set.pairing !== undefined) shared.set(set.pairing, countsY);
      }
      fidResampled[k]![b] = fidFromRoot(statisticsX, rootX, weightedStatistics(set.features, countsY, d)).fid;
      kidResampled[k]![b] = kidOf(k, countsX, countsY);
    });
  }
  return { names: sets.map((s) => s.name), fid: fullFid, kid: fullKid, fidResampled, kidResampled, resamples, seed };
}

/** A contrast's value on the full sets and its bootstrap interval. */
export interface ContrastResult {
  readonly value: number;
  readonly interval: BootstrapInterval;
}

/**
 * A linear combination of the sets' FIDs and KIDs, e.g. `{ b: 1, a: -1 }` for FID(b) − FID(a), or
 * `{ "a-sampled": 1, "a-real": -1, "b-sampled": -1, "b-real": 1 }` for the difference of two gaps:
 * its value on the full sets and the percentile interval of its values over the joint resamples.
 */
export function contrast(comparison: PairedComparison, coefficients: Readonly<Record<string, number>>, level = 0.95): { fid: ContrastResult; kid: ContrastResult } {
  const terms = Object.entries(coefficients).map(([name, c]) => {
    const k = comparison.names.indexOf(name);
    if (k < 0) throw errors.invalidArgument('contrast', `names of the compared sets (${comparison.names.join(', ')})`, name);
    return [k, c] as const;
  });
  const combine = (full: Float64Array, resampled: readonly Float64Array[]): ContrastResult => {
    let value = 0;
    for (const [k, c] of terms) value += c * full[k]!;
    const values = new Float64Array(comparison.resamples);
    for (const [k, c] of terms) for (let b = 0; b < values.length; b++) values[b]! += c * resampled[k]![b]!;
    return { value, interval: bootstrapInterval(values, level) };
  };
  return { fid: combine(comparison.fid, comparison.fidResampled), kid: combine(comparison.kid, comparison.kidResampled) };
}

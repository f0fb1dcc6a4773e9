import { createRng, errors, type Rng } from '@cdm/core';
import { checkFeatures, featureStatistics } from './feature-statistics';
import { fid } from './fid';

/** What a metric's bootstrap distribution looked like. */
export interface BootstrapInterval {
  /** The percentile interval: the (1 − level)/2 and (1 + level)/2 quantiles of the resampled values. */
  readonly low: number;
  readonly high: number;
  /** Standard deviation of the resampled values (divided by B − 1): the bootstrap standard error. */
  readonly std: number;
  /** Mean of the resampled values (for FID above the full-set value: FID is biased upward at smaller effective n). */
  readonly mean: number;
  readonly resamples: number;
  readonly level: number;
}

export interface BootstrapOptions {
  /** Resamples B; default 100. */
  readonly resamples?: number;
  /** Seeds the resampling; default 0. */
  readonly seed?: number;
  /** Coverage of the percentile interval; default 0.95. */
  readonly level?: number;
}

/** The q-quantile of ascending `sorted`, interpolating linearly between order statistics (numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw errors.invalidArgument('values', 'at least one value', n);
  const position = q * (n - 1);
  const below = Math.floor(position);
  const above = Math.min(n - 1, below + 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** Summarises resampled values as a percentile interval, their std (B − 1) and mean. */
export function bootstrapInterval(values: ArrayLike<number>, level = 0.95): BootstrapInterval {
  if (!(level > 0 && level < 1)) throw errors.invalidArgument('level', 'a number between 0 and 1', level);
  const sorted = Float64Array.from(values).sort();
  const b = sorted.length;
  let mean = 0;
  for (const v of sorted) mean += v;
  mean /= b;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) ** 2;
  return {
    low: quantile(sorted, (1 - level) / 2),
    high: quantile(sorted, (1 + level) / 2),
    std: b > 1 ? Math.sqrt(squares / (b - 1)) : 0,
    mean,
    resamples: b,
    level,
  };
}

function resolve(options: BootstrapOptions): { resamples: number; rng: Rng; level: number } {
  const { resamples = 100, seed = 0, level = 0.95 } = options;
  if (!Number.isInteger(resamples) || resamples < 2) throw errors.invalidArgument('resamples', 'an integer ≥ 2', resamples);
  if (!(level > 0 && level < 1)) throw errors.invalidArgument('level', 'a number between 0 and 1', level);
  return { resamples, rng: createRng(seed), level };
}

/** n draws with replacement from 0…n−1, as multiplicities per row. */
export function drawCounts(rng: Rng, n: number): Uint32Array {
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[rng.int(n)]!++;
  return counts;
}

/** The rows of `features` (n × d) repeated by `counts`. */
export function gather(features: ArrayLike<number>, counts: Uint32Array, d: number): Float32Array {
  const out = new Float32Array(counts.length * d);
  let row = 0;
  counts.forEach((c, i) => {
    for (let r = 0; r < c; r++, row++) for (let j = 0; j < d; j++) out[row * d + j] = features[i * d + j]!;
  });
  return out;
}

/**
 * A bootstrap of FID: B times, both feature sets are resampled with replacement (seeded) and the
 * FID of the resamples computed as {@link fid} does. Report the FID of the full sets as the point
 * estimate and this as its uncertainty. FID is biased upward at finite n, and a resample has only
 * about 63 % distinct rows, so the resampled values sit above the point estimate: the interval shows
 * how much the number moves with the sample, not where an unbiased FID would lie.
 */
export function bootstrapFid(real: ArrayLike<number>, fake: ArrayLike<number>, nReal: number, nFake: number, d: number, options: BootstrapOptions = {}): BootstrapInterval {
  checkFeatures('real features', real, nReal, d);
  checkFeatures('fake features', fake, nFake, d);
  const { resamples, rng, level } = resolve(options);
  const values = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const r = gather(real, drawCounts(rng, nReal), d);
    const f = gather(fake, drawCounts(rng, nFake), d);
    values[b] = fid(featureStatistics(f, nFake, d, 'bootstrap'), featureStatistics(r, nReal, d, 'bootstrap')).fid;
  }
  return bootstrapInterval(values, level);
}

/** Squared Euclidean distances between the rows of `a` (na × d) and `b` (nb × d), summed in float64 and stored as float32. */
export function squaredDistanceMatrix(a: ArrayLike<number>, na: number, b: ArrayLike<number>, nb: number, d: number): Float32Array {
  const out = new Float32Array(na * nb);
  const symmetric = a === b;
  for (let i = 0; i < na; i++) {
    for (let j = symmetric ? i + 1 : 0; j < nb; j++) {
      let sum = 0;
      for (let c = 0; c < d; c++) {
        const diff = a[i * d + c]! - b[j * d + c]!;
        sum += diff * diff;
      }
      out[i * nb + j] = sum;
      if (symmetric) out[j * nb + i] = sum;
    }
  }
  return out;
}

/** The distinct rows of a resample (those with a count > 0). */
export const present = (counts: Uint32Array) => Uint32Array.from(counts.keys()).filter((i) => counts[i]! > 0);

/**
 * Each present row's squared distance to its k-th nearest other present row (copies of a row are
 * not its neighbours); with fewer than k other rows, to the farthest one.
 */
function radii(dist: Float32Array, n: number, rows: Uint32Array, k: number): Float64Array {
  const out = new Float64Array(n);
  const kk = Math.min(k, rows.length - 1);
  if (kk < 1) return out;
  const nearest = new Float64Array(kk);
  for (const i of rows) {
    nearest.fill(Infinity);
    for (const j of rows) {
      if (j === i) continue;
      const v = dist[i * n + j]!;
      if (v >= nearest[kk - 1]!) continue;
      let p = kk - 1;
      while (p > 0 && nearest[p - 1]! > v) {
        nearest[p] = nearest[p - 1]!;
        p--;
      }
      nearest[p] = v;
    }
    out[i] = nearest[kk - 1]!;
  }
  return out;
}

/** Precision and recall bootstrap intervals. */
export interface PrecisionRecallBootstrap {
  readonly precision: BootstrapInterval;
  readonly recall: BootstrapInterval;
}

/**
 * A bootstrap of improved precision/recall ({@link precisionRecall}): B times, both sets are
 * resampled with replacement (seeded). Each resampled set's manifold is built from its distinct
 * rows (a copy of a point is not counted as its neighbour, which would shrink the balls to 0), and
 * precision and recall count every drawn row with its multiplicity. The pairwise distances are
 * computed once, exactly in float64 and kept as float32: this needs 12·n² bytes (48 MB at n = 2000).
 * With `resamples` draws of the identity (every row once) it reproduces `precisionRecall`.
 */
export function bootstrapPrecisionRecall(real: ArrayLike<number>, fake: ArrayLike<number>, n: number, d: number, k = 3, options: BootstrapOptions = {}): PrecisionRecallBootstrap {
  checkFeatures('real features', real, n, d);
  checkFeatures('fake features', fake, n, d);
  if (!Number.isInteger(k) || k < 1 || k >= n) throw errors.invalidArgument('k', `an integer in 1…${n - 1}`, k);
  const { resamples, rng, level } = resolve(options);
  const rr = squaredDistanceMatrix(real, n, real, n, d);
  const ff = squaredDistanceMatrix(fake, n, fake, n, d);
  const rf = squaredDistanceMatrix(real, n, fake, n, d); // [real i, fake j]
  const precision = new Float64Array(resamples);
  const recall = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const countsR = drawCounts(rng, n);
    const countsF = drawCounts(rng, n);
    const result = precisionRecallOfCounts(rr, ff, rf, n, k, countsR, countsF);
    precision[b] = result.precision;
    recall[b] = result.recall;
  }
  return { precision: bootstrapInterval(precision, level), recall: bootstrapInterval(recall, level) };
}

/** Precision and recall of the sets given by row multiplicities, from precomputed squared distances. */
export function precisionRecallOfCounts(
  rr: Float32Array,
  ff: Float32Array,
  rf: Float32Array,
  n: number,
  k: number,
  countsR: Uint32Array,
  countsF: Uint32Array,
): { precision: number; recall: number } {
  const rowsR = present(countsR);
  const rowsF = present(countsF);
  const radiiR = radii(rr, n, rowsR, k);
  const radiiF = radii(ff, n, rowsF, k);
  let inside = 0;
  let total = 0;
  for (const j of rowsF) {
    total += countsF[j]!;
    for (const i of rowsR) {
      if (rf[i * n + j]! <= radiiR[i]!) {
        inside += countsF[j]!;
        break;
      }
    }
  }
  const precision = inside / total;
  inside = 0;
  total = 0;
  for (const i of rowsR) {
    total += countsR[i]!;
    for (const j of rowsF) {
      if (rf[i * n + j]! <= radiiF[j]!) {
        inside += countsR[i]!;
        break;
      }
    }
  }
  return { precision, recall: inside / total };
}

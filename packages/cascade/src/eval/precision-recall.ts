import { errors } from '@cdm/core';
import { checkFeatures } from './feature-statistics';

/** Improved precision and recall, and the extractor that produced the features. */
export interface PrecisionRecallResult {
  /** Fraction of generated samples inside the real manifold (fidelity). */
  readonly precision: number;
  /** Fraction of real samples inside the generated manifold (coverage). */
  readonly recall: number;
  readonly k: number;
  readonly extractor?: string;
}

export interface PrecisionRecallOptions {
  /** Rows of the query set compared at once (bounds memory to chunk × n distances). Default 256. */
  readonly chunk?: number;
  readonly extractor?: string;
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019). Each set's manifold is the union of
 * balls around its points with radius the distance to the point's k-th nearest other point in the
 * same set; precision is the fraction of fake points inside some real ball, recall the fraction of
 * real points inside some fake ball. Distances are exact Euclidean distances in float64 (sums of
 * squared differences, not the ‖a‖² + ‖b‖² − 2a·b expansion), computed chunk by chunk.
 *
 * `real` and `fake` are n×d row-major; n must exceed k.
 */
export function precisionRecall(
  real: ArrayLike<number>,
  fake: ArrayLike<number>,
  n: number,
  d: number,
  k = 3,
  options: PrecisionRecallOptions = {},
): PrecisionRecallResult {
  checkFeatures('real features', real, n, d);
  checkFeatures('fake features', fake, n, d);
  if (!Number.isInteger(k) || k < 1 || k >= n) throw errors.invalidArgument('k', `an integer in 1…${n - 1}`, k);
  const chunk = options.chunk ?? 256;
  if (!Number.isInteger(chunk) || chunk < 1) throw errors.invalidArgument('chunk', 'a positive integer', chunk);
  const r = Float64Array.from(real);
  const f = Float64Array.from(fake);
  const realRadii = kthNeighbourDistances(r, n, d, k, chunk);
  const fakeRadii = kthNeighbourDistances(f, n, d, k, chunk);
  return {
    precision: fractionInside(f, r, realRadii, n, d, chunk),
    recall: fractionInside(r, f, fakeRadii, n, d, chunk),
    k,
    ...(options.extractor === undefined ? {} : { extractor: options.extractor }),
  };
}

/** Squared distances from rows start…end−1 of `a` to every row of `b`: [(end − start) × n]. */
function squaredDistances(a: Float64Array, start: number, end: number, b: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array((end - start) * n);
  for (let i = start; i < end; i++) {
    const ai = i * d;
    const row = (i - start) * n;
    for (let j = 0; j < n; j++) {
      const bj = j * d;
      let sum = 0;
      for (let c = 0; c < d; c++) {
        const diff = a[ai + c]! - b[bj + c]!;
        sum += diff * diff;
      }
      out[row + j] = sum;
    }
  }
  return out;
}

/** Each point's squared distance to its k-th nearest neighbour in its own set (itself excluded). */
function kthNeighbourDistances(x: Float64Array, n: number, d: number, k: number, chunk: number): Float64Array {
  const radii = new Float64Array(n);
  const nearest = new Float64Array(k); // the k smallest, ascending
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const dist = squaredDistances(x, start, end, x, n, d);
    for (let i = start; i < end; i++) {
      nearest.fill(Infinity);
      const row = (i - start) * n;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const v = dist[row + j]!;
        if (v >= nearest[k - 1]!) continue;
        let p = k - 1;
        while (p > 0 && nearest[p - 1]! > v) {
          nearest[p] = nearest[p - 1]!;
          p--;
        }
        nearest[p] = v;
      }
      radii[i] = nearest[k - 1]!;
    }
  }
  return radii;
}

/** Fraction of `queries` rows within the radius of at least one `centres` row. */
function fractionInside(queries: Float64Array, centres: Float64Array, radii: Float64Array, n: number, d: number, chunk: number): number {
  let inside = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const dist = squaredDistances(queries, start, end, centres, n, d);
    for (let i = start; i < end; i++) {
      const row = (i - start) * n;
      for (let j = 0; j < n; j++) {
        if (dist[row + j]! <= radii[j]!) {
          inside++;
          break;
        }
      }
    }
  }
  return inside / n;
}

import { createRng } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { kid } from './kid';

const gaussian = (n: number, d: number, seed: number, shift = 0) => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal() + shift);
};

/** The unbiased MMD² with k(x, y) = (xᵀy/d + 1)³, written out directly in float64 (every pair, no symmetry). */
function directMmd2(x: ArrayLike<number>, y: ArrayLike<number>, m: number, d: number): number {
  const k = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number) => {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += Number(a[i * d + c]) * Number(b[j * d + c]);
    return (dot / d + 1) ** 3;
  };
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i !== j) {
        xx += k(x, i, x, j);
        yy += k(y, i, y, j);
      }
      xy += k(x, i, y, j);
    }
  }
  return xx / (m * (m - 1)) + yy / (m * (m - 1)) - (2 * xy) / (m * m);
}

describe('kid', () => {
  it('matches a hand computation in one dimension', () => {
    // x = {0, 1}, y = {1, 2}, d = 1: k(a, b) = (ab + 1)³.
    // Σ_{i≠j} k(x) = 2·k(0, 1) = 2 → 2/2 = 1; Σ_{i≠j} k(y) = 2·k(1, 2) = 54 → 27;
    // Σ k(x, y) = k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37 → 2·37/4 = 18.5. MMD² = 1 + 27 − 18.5.
    const result = kid([0, 1], [1, 2], 2, 2, 1, { subsets: 3 });
    expect(result.mean).toBeCloseTo(9.5, 12);
    expect(result.std).toBe(0); // every subset is the whole set
    expect(result).toMatchObject({ subsets: 3, subsetSize: 2 });
  });

  it('equals a direct float64 re-implementation on the whole sets', () => {
    const x = gaussian(40, 5, 1);
    const y = gaussian(40, 5, 2, 0.3);
    const expected = directMmd2(x, y, 40, 5);
    for (const maxKernelEntries of [0, 1e6]) {
      const result = kid(x, y, 40, 40, 5, { subsets: 2, maxKernelEntries });
      expect(Math.abs(result.mean - expected)).toBeLessThan(1e-12 * Math.max(1, Math.abs(expected)));
      expect(result.std).toBeLessThan(1e-12);
    }
  });

  it('gives the same subsets with cached and uncached kernel matrices, and changes with the seed', () => {
    const x = gaussian(60, 4, 3);
    const y = gaussian(50, 4, 4, 0.2);
    const cached = kid(x, y, 60, 50, 4, { subsets: 20, subsetSize: 25, seed: 5, extractor: 'e' });
    const fresh = kid(x, y, 60, 50, 4, { subsets: 20, subsetSize: 25, seed: 5, maxKernelEntries: 0 });
    expect(fresh.mean).toBeCloseTo(cached.mean, 12);
    expect(fresh.std).toBeCloseTo(cached.std, 12);
    expect(cached).toMatchObject({ subsets: 20, subsetSize: 25, extractor: 'e' });
    expect(cached.std).toBeGreaterThan(0);
    expect(kid(x, y, 60, 50, 4, { subsets: 20, subsetSize: 25, seed: 6 }).mean).not.toBe(cached.mean);
  });

  it('estimates each subset directly: with one subset, the value is the direct estimate on some pair of row subsets', () => {
    // n = 5 rows per set, subsets of 3: all C(5,3)² = 100 pairs of row subsets, estimated directly.
    const [n, m, d] = [5, 3, 2];
    const x = gaussian(n, d, 7);
    const y = gaussian(n, d, 8, 0.5);
    const triples: number[][] = [];
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) for (let c = b + 1; c < n; c++) triples.push([a, b, c]);
    const rows = (v: Float32Array, idx: number[]) => idx.flatMap((i) => Array.from(v.subarray(i * d, (i + 1) * d)));
    const direct = triples.flatMap((tx) => triples.map((ty) => directMmd2(rows(x, tx), rows(y, ty), m, d)));
    const seen = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const { mean } = kid(x, y, n, n, d, { subsets: 1, subsetSize: m, seed });
      const match = direct.findIndex((v) => Math.abs(v - mean) < 1e-12 * Math.max(1, Math.abs(v)));
      expect(match).toBeGreaterThanOrEqual(0);
      seen.add(match);
    }
    expect(seen.size).toBeGreaterThan(10); // the seeds draw different subsets
  });

  it('is about 0 for two samples of one distribution and clearly positive for shifted ones', () => {
    const d = 8;
    const real = gaussian(400, d, 11);
    const same = kid(real, gaussian(400, d, 12), 400, 400, d, { subsets: 50, subsetSize: 200 });
    const shifted = kid(real, gaussian(400, d, 12, 0.5), 400, 400, d, { subsets: 50, subsetSize: 200 });
    // Unbiased: the same-distribution estimate is within a few of its subset spreads of 0.
    expect(Math.abs(same.mean)).toBeLessThan(3 * same.std);
    expect(shifted.mean).toBeGreaterThan(10 * same.std);
    expect(shifted.mean - 3 * shifted.std).toBeGreaterThan(0);
  });

  it('names bad arguments', () => {
    expect(() => kid([0, 1], [0, 1, 2], 2, 3, 1, { subsetSize: 3 })).toThrow('Invalid subsetSize: expected an integer in 2…2 (at most the smaller set), got 3');
    expect(() => kid([0, 1], [0, 1], 2, 2, 1, { subsets: 0 })).toThrow('Invalid subsets: expected a positive integer, got 0');
    expect(() => kid([0, 1], [0], 2, 2, 1)).toThrow('Invalid fake features: expected 2×1 = 2 values, got "1 values"');
  });
});

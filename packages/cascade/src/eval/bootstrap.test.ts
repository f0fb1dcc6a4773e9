import { createRng } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { bootstrapFid, bootstrapInterval, bootstrapPrecisionRecall, precisionRecallOfCounts, quantile, squaredDistanceMatrix } from './bootstrap';
import { featureStatistics } from './feature-statistics';
import { fid } from './fid';
import { precisionRecall } from './precision-recall';

const gaussian = (n: number, d: number, seed: number, shift = 0) => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal() + shift);
};
const std = (v: readonly number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
};

describe('quantile and bootstrapInterval', () => {
  it('interpolate linearly between order statistics, as numpy.percentile does', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12); // numpy.percentile([1,2,3,4], 25) = 1.75
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.975)).toBeCloseTo(9.775, 12);
    expect(quantile([5], 0.3)).toBe(5);
    const summary = bootstrapInterval([4, 1, 3, 2, 5], 0.5);
    // sorted 1…5: 25th percentile 2, 75th 4; mean 3; sample std √2.5.
    expect(summary).toEqual({ low: 2, high: 4, std: Math.sqrt(2.5), mean: 3, resamples: 5, level: 0.5 });
  });
});

describe('bootstrapFid', () => {
  it('is seeded, brackets its own mean, and lies above the full-set FID (the bias of FID at fewer distinct samples)', () => {
    const real = gaussian(200, 3, 1);
    const fake = gaussian(200, 3, 2, 0.3);
    const point = fid(featureStatistics(fake, 200, 3, 'x'), featureStatistics(real, 200, 3, 'x')).fid;
    const a = bootstrapFid(real, fake, 200, 200, 3, { resamples: 60, seed: 3 });
    expect(bootstrapFid(real, fake, 200, 200, 3, { resamples: 60, seed: 3 })).toEqual(a);
    expect(bootstrapFid(real, fake, 200, 200, 3, { resamples: 60, seed: 4 }).mean).not.toBe(a.mean);
    expect(a.low).toBeLessThan(a.mean);
    expect(a.mean).toBeLessThan(a.high);
    expect(a.low).toBeLessThan(point);
    expect(a.mean).toBeGreaterThan(point);
    expect(a).toMatchObject({ resamples: 60, level: 0.95 });
  });

  it('has a standard error close to the spread of FID over fresh samples', () => {
    // Real N(0, I) and fake N(0.3·1, I) in 3-D: the FID of fresh pairs of 150-sample sets varies;
    // the bootstrap of one pair should see about the same spread (within a factor 1.6 either way).
    const [n, d] = [150, 3];
    const fresh = Array.from({ length: 80 }, (_, s) => fid(featureStatistics(gaussian(n, d, 1000 + s, 0.3), n, d, 'x'), featureStatistics(gaussian(n, d, 2000 + s), n, d, 'x')).fid);
    const boot = bootstrapFid(gaussian(n, d, 5), gaussian(n, d, 6, 0.3), n, n, d, { resamples: 80, seed: 1 });
    const ratio = boot.std / std(fresh);
    expect(ratio).toBeGreaterThan(1 / 1.6);
    expect(ratio).toBeLessThan(1.6);
  });
});

describe('bootstrapPrecisionRecall', () => {
  it('reproduces precisionRecall when every row is drawn once', () => {
    const [n, d, k] = [120, 5, 3];
    const real = gaussian(n, d, 7);
    const fake = gaussian(n, d, 8, 0.6);
    const ones = new Uint32Array(n).fill(1);
    const result = precisionRecallOfCounts(squaredDistanceMatrix(real, n, real, n, d), squaredDistanceMatrix(fake, n, fake, n, d), squaredDistanceMatrix(real, n, fake, n, d), n, k, ones, ones);
    const expected = precisionRecall(real, fake, n, d, k);
    expect(result).toEqual({ precision: expected.precision, recall: expected.recall });
    expect(expected.precision).toBeGreaterThan(0.1);
    expect(expected.precision).toBeLessThan(0.95);
  });

  it('builds each manifold from distinct rows and counts rows with their multiplicity (hand-worked, 1-D, k = 1)', () => {
    const real = [0, 1, 2, 3, 10];
    const fake = [0.5, 2.9, 5.5, 20, 30];
    const m = (a: number[], b: number[]) => squaredDistanceMatrix(a, 5, b, 5, 1);
    const run = (countsR: number[], countsF: number[]) => precisionRecallOfCounts(m(real, real), m(fake, fake), m(real, fake), 5, 1, Uint32Array.from(countsR), Uint32Array.from(countsF));
    // Reals drawn: 3 once, 10 four times. Their balls: radius 7 each (each other's distance; 10's copies are not its neighbours).
    // Fakes drawn: 0.5 four times, 2.9 once; radii 2.4. Precision: 0.5 (|0.5 − 3| ≤ 7) and 2.9 inside → 5/5.
    // Recall: 3 is inside 2.9's ball; 10 (×4) is 7.1 from 2.9 and 9.5 from 0.5 → 1/5.
    expect(run([0, 0, 0, 1, 4], [4, 1, 0, 0, 0])).toEqual({ precision: 1, recall: 0.2 });
    // Fakes 0.5 ×3, 2.9, 30 (radius 27.1): precision 4/5 (30 is 20 from 10, beyond 7); recall 1 (10 is inside 30's ball).
    expect(run([0, 0, 0, 1, 4], [3, 1, 0, 0, 1])).toEqual({ precision: 0.8, recall: 1 });
    // One distinct fake row: its ball is the point itself.
    expect(run([1, 1, 1, 1, 1], [0, 0, 5, 0, 0]).recall).toBe(0);
  });

  it('is seeded and has standard errors close to the spread over fresh samples', () => {
    const [n, d, k] = [150, 4, 3];
    const fresh = Array.from({ length: 60 }, (_, s) => precisionRecall(gaussian(n, d, 3000 + s), gaussian(n, d, 4000 + s, 0.5), n, d, k));
    const boot = bootstrapPrecisionRecall(gaussian(n, d, 9), gaussian(n, d, 10, 0.5), n, d, k, { resamples: 60, seed: 2 });
    expect(bootstrapPrecisionRecall(gaussian(n, d, 9), gaussian(n, d, 10, 0.5), n, d, k, { resamples: 60, seed: 2 })).toEqual(boot);
    for (const [which, values] of [['precision', fresh.map((r) => r.precision)], ['recall', fresh.map((r) => r.recall)]] as const) {
      const ratio = boot[which].std / std(values);
      expect(ratio, which).toBeGreaterThan(1 / 1.8);
      expect(ratio, which).toBeLessThan(1.8);
      expect(boot[which].low).toBeLessThanOrEqual(boot[which].high);
    }
  });

  it('names bad arguments', () => {
    expect(() => bootstrapPrecisionRecall([0, 1], [0, 1], 2, 1, 2)).toThrow('Invalid k: expected an integer in 1…1, got 2');
    expect(() => bootstrapFid([0, 1], [0, 1], 2, 2, 1, { resamples: 1 })).toThrow('Invalid resamples: expected an integer ≥ 2, got 1');
  });
});

import { createRng } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { precisionRecall } from './precision-recall';

const gaussian = (n: number, d: number, seed: number, shift = 0) => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal() + shift);
};

describe('precisionRecall', () => {
  it('is (1, 1) for a set against itself', () => {
    const x = gaussian(200, 8, 1);
    expect(precisionRecall(x, x, 200, 8, 3)).toEqual({ precision: 1, recall: 1, k: 3 });
  });

  it('is (0, 0) for sets far apart', () => {
    const result = precisionRecall(gaussian(100, 4, 1), gaussian(100, 4, 2, 50), 100, 4, 3, { extractor: 'x' });
    expect(result).toEqual({ precision: 0, recall: 0, k: 3, extractor: 'x' });
  });

  it('matches a hand computation in one dimension (k = 1)', () => {
    // real {0, 1, 2, 3, 10}: radii to the nearest other point: 1, 1, 1, 1, 7 (10 ↔ 3).
    // fake {0.5, 2.9, 5.5, 20, 30}: radii 2.4, 2.4, 2.6, 10, 10.
    // Precision: 0.5 (inside 0's ball), 2.9 (3's), 5.5 (10's ball: |5.5 − 10| = 4.5 ≤ 7) inside; 20 and 30 outside → 3/5.
    // Recall: 0 (|0 − 0.5| ≤ 2.4), 1, 2 (|2 − 2.9| ≤ 2.4), 3; 10 (|10 − 20| = 10 ≤ 10, on the boundary) → 5/5.
    const result = precisionRecall([0, 1, 2, 3, 10], [0.5, 2.9, 5.5, 20, 30], 5, 1, 1);
    expect(result.precision).toBeCloseTo(3 / 5, 12);
    expect(result.recall).toBe(1);
  });

  it('does not depend on the chunk size', () => {
    const real = gaussian(150, 6, 3);
    const fake = gaussian(150, 6, 4, 0.7);
    const whole = precisionRecall(real, fake, 150, 6, 5, { chunk: 1000 });
    expect(whole.precision).toBeGreaterThan(0.2);
    expect(whole.precision).toBeLessThan(1);
    expect(precisionRecall(real, fake, 150, 6, 5, { chunk: 7 })).toEqual(whole);
  });

  it('drops recall, not precision, when the fakes collapse onto a part of the real set', () => {
    const real = gaussian(400, 2, 5);
    const fake = Float32Array.from({ length: 800 }, (_, i) => real[i % 20]! + 1e-3 * (i % 7)); // 20 real points, repeated
    const result = precisionRecall(real, fake, 400, 2, 3);
    expect(result.precision).toBe(1);
    expect(result.recall).toBeLessThan(0.2);
  });

  it('names bad arguments', () => {
    expect(() => precisionRecall([0, 1], [0, 1], 2, 1, 2)).toThrow('Invalid k: expected an integer in 1…1, got 2');
    expect(() => precisionRecall([0, 1], [0], 2, 1, 1)).toThrow('Invalid fake features: expected 2×1 = 2 values, got "1 values"');
  });
});

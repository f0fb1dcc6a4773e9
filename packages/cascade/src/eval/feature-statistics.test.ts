import { describe, expect, it } from 'vitest';
import { featureStatistics } from './feature-statistics';

describe('featureStatistics', () => {
  it('gives the mean and the unbiased covariance (numpy.cov) of a hand-checked set', () => {
    // Rows (1, 2), (3, 6), (5, 4): mean (3, 4); deviations (−2, −2), (0, 2), (2, 0).
    const s = featureStatistics([1, 2, 3, 6, 5, 4], 3, 2, 'x');
    expect(Array.from(s.mean)).toEqual([3, 4]);
    // Σ = ([4, 4; 4, 4] + [0, 0; 0, 4] + [4, 0; 0, 0]) / 2 = [4, 2; 2, 4].
    expect(Array.from(s.covariance)).toEqual([4, 2, 2, 4]);
    expect(s.count).toBe(3);
    expect(s.extractor).toBe('x');
  });

  it('keeps small variances under a large mean (two passes in float64)', () => {
    const features = Float32Array.from([1e6, 1e6 + 1, 1e6 + 2, 1e6 + 3]);
    const s = featureStatistics(features, 4, 1, 'x');
    expect(s.mean[0]).toBe(1e6 + 1.5);
    expect(s.covariance[0]).toBeCloseTo(5 / 3, 12);
  });

  it('names a wrong size', () => {
    expect(() => featureStatistics([1, 2, 3], 2, 2, 'x')).toThrow(/Invalid features: expected 2×2 = 4 values, got "3 values"/);
    expect(() => featureStatistics([1, 2], 1, 2, 'x')).toThrow(/at least 2 vectors/);
  });
});

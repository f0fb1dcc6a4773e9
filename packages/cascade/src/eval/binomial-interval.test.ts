import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './binomial-interval';

describe('wilsonInterval', () => {
  it('matches published values', () => {
    // 8 of 10 at 95 %: 0.4902 … 0.9433 (e.g. Newcombe 1998, and statsmodels' proportion_confint(method="wilson")).
    const a = wilsonInterval(8, 10);
    expect(a.low).toBeCloseTo(0.4902, 4);
    expect(a.high).toBeCloseTo(0.9433, 4);
    // 0 of 10: 0 … z²/(n + z²) = 3.8415/13.8415.
    const b = wilsonInterval(0, 10);
    expect(b.low).toBe(0);
    expect(b.high).toBeCloseTo(3.841458820694124 / 13.841458820694124, 12);
    // Symmetric: k of n mirrors n − k of n.
    const c = wilsonInterval(3, 17);
    const d = wilsonInterval(14, 17);
    expect(c.low).toBeCloseTo(1 - d.high, 12);
    expect(c.high).toBeCloseTo(1 - d.low, 12);
  });

  it('names bad counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow('Invalid successes: expected a count in 0…2, got 3');
    expect(() => wilsonInterval(0, 0)).toThrow('Invalid trials: expected a positive integer, got 0');
  });
});

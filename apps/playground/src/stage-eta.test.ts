import { describe, expect, it } from 'vitest';
import { formatRemaining, remainingMilliseconds } from './stage-eta';

describe('stage ETA', () => {
  it('has nothing to say before the first step', () => {
    expect(remainingMilliseconds([], 10)).toBeUndefined();
  });

  it('uses the first step alone, then the steps after it (the first compiles shaders)', () => {
    // step i finished at stepTimes[i] ms after the stage started
    expect(remainingMilliseconds([500], 5)).toBe(2000);
    expect(remainingMilliseconds([5000, 5100, 5200], 10)).toBe(700);
    expect(remainingMilliseconds([1, 2, 3], 3)).toBe(0);
  });

  it('formats seconds and minutes', () => {
    expect([formatRemaining(200), formatRemaining(12_400), formatRemaining(65_000)]).toEqual(['< 1 s left', '12 s left', '1 min 5 s left']);
  });
});

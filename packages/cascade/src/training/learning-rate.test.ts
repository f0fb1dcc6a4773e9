import { describe, expect, it } from 'vitest';
import { learningRate, warmupLearningRate, type LearningRateSettings } from './learning-rate';

const cosine: LearningRateSettings = { lr: 1e-3, warmup: 10, schedule: 'cosine', minLr: 1e-5, decaySteps: 110 };

describe('learningRate', () => {
  it('constant: the warmup ramp, then lr', () => {
    const constant = { ...cosine, schedule: 'constant' } as const;
    for (const k of [0, 4, 9, 10, 50, 500]) expect(learningRate(constant, k)).toBe(warmupLearningRate(1e-3, 10, k));
    expect(learningRate(constant, 0)).toBe(1e-4);
    expect(learningRate(constant, 500)).toBe(1e-3);
  });

  it('cosine: the same warmup, lr at its end, the midpoint halfway between lr and minLr, minLr from decaySteps on', () => {
    for (const k of [0, 5, 9]) expect(learningRate(cosine, k)).toBe(warmupLearningRate(1e-3, 10, k));
    expect(learningRate(cosine, 10)).toBe(1e-3);
    expect(learningRate(cosine, 60)).toBeCloseTo((1e-3 + 1e-5) / 2, 15);
    expect(learningRate(cosine, 110)).toBeCloseTo(1e-5, 15);
    expect(learningRate(cosine, 10_000)).toBeCloseTo(1e-5, 15);
  });

  it('cosine: strictly decreasing over the decay, symmetric about its midpoint', () => {
    const rates = Array.from({ length: 101 }, (_, i) => learningRate(cosine, 10 + i));
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThan(rates[i - 1]!);
    const mid = (1e-3 + 1e-5) / 2;
    for (let i = 0; i <= 50; i++) expect(rates[i]! - mid).toBeCloseTo(mid - rates[100 - i]!, 15);
  });

  it('is a function of the update number alone (what exact resume relies on)', () => {
    const forward = Array.from({ length: 120 }, (_, k) => learningRate(cosine, k));
    const backward = Array.from({ length: 120 }, (_, k) => learningRate(cosine, 119 - k)).reverse();
    expect(backward).toEqual(forward);
  });
});

import { describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { uniformTimesteps } from './uniform';

describe('uniformTimesteps', () => {
  it('covers every timestep with the right frequency', () => {
    const T = 10;
    const sampler = uniformTimesteps(T);
    const rng = createRng(1);
    const counts = new Array<number>(T).fill(0);
    const batches = 200;
    const batchSize = 500;
    for (let b = 0; b < batches; b++) {
      const { timesteps, weights } = sampler.sample(batchSize, rng);
      expect(timesteps.length).toBe(batchSize);
      expect(weights.every((w) => w === 1)).toBe(true);
      for (const t of timesteps) counts[t]!++;
    }
    const n = batches * batchSize;
    const expected = n / T;
    // Each count is Binomial(n, 1/T): within 5 standard deviations.
    for (const c of counts) expect(Math.abs(c - expected)).toBeLessThan(5 * Math.sqrt(n * (1 / T) * (1 - 1 / T)));
    // Pearson's statistic is ~χ² with T − 1 = 9 degrees of freedom (mean 9, sd √18 ≈ 4.24);
    // 9 + 5·√18 ≈ 30.2 is exceeded with probability below 1e-3.
    const chiSquare = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(9 + 5 * Math.sqrt(18));
  });

  it('gives an unbiased weighted loss (5 standard errors)', () => {
    const T = 16;
    const loss = Array.from({ length: T }, (_, t) => 0.05 + (t / T) ** 2);
    const target = loss.reduce((a, b) => a + b, 0) / T;
    const { timesteps, weights } = uniformTimesteps(T).sample(100_000, createRng(2));
    const values = Array.from(timesteps, (t, i) => weights[i]! * loss[t]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    expect(Math.abs(mean - target)).toBeLessThan((5 * sd) / Math.sqrt(values.length));
  });

  it('is deterministic for a seed and has a trivial, validated state', () => {
    const sampler = uniformTimesteps(100);
    expect(Array.from(sampler.sample(32, createRng(7)).timesteps)).toEqual(Array.from(sampler.sample(32, createRng(7)).timesteps));
    expect(sampler.update).toBeUndefined();
    const state = JSON.parse(JSON.stringify(sampler.state())) as unknown;
    expect(state).toEqual({ name: 'uniform', numTimesteps: 100 });
    expect(() => sampler.loadState(state)).not.toThrow();
    const invalid = expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' });
    expect(() => sampler.loadState(null)).toThrow(invalid);
    expect(() => sampler.loadState([])).toThrow(invalid);
    expect(() => sampler.loadState({ name: 'loss-second-moment', numTimesteps: 100 })).toThrow(/state\.name/);
    expect(() => sampler.loadState({ name: 'uniform', numTimesteps: 99 })).toThrow(/state\.numTimesteps/);
  });

  it('rejects bad arguments with coded errors', () => {
    const invalid = expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' });
    expect(() => uniformTimesteps(0)).toThrow(invalid);
    expect(() => uniformTimesteps(2.5)).toThrow(/numTimesteps/);
    const sampler = uniformTimesteps(4);
    expect(() => sampler.sample(0, createRng(1))).toThrow(/batchSize/);
    expect(() => sampler.sample(1.5, createRng(1))).toThrow(invalid);
  });
});

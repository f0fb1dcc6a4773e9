import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../rng';
import { lossSecondMomentTimesteps, type LossSecondMomentTimestepSampler } from './loss-second-moment';

const invalid = expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' });

/** Records `rows[t]` (in order) as timestep t's losses. */
function feed(sampler: LossSecondMomentTimestepSampler, rows: readonly (readonly number[])[]): void {
  rows.forEach((row, t) => sampler.update(row.map(() => t), row));
}

/** Warms a sampler up with noisy random losses whose scale grows with t. */
function warmUp(sampler: LossSecondMomentTimestepSampler, rng: Rng): void {
  const T = sampler.numTimesteps;
  for (let round = 0; round < sampler.historyPerTerm; round++) {
    const timesteps = Array.from({ length: T }, (_, t) => t);
    sampler.update(
      timesteps,
      timesteps.map((t) => (0.1 + t / T) * (0.5 + rng.uniform())),
    );
  }
}

/** Mean of w·L over `n` draws, and its standard error. */
function weightedLossEstimate(sampler: LossSecondMomentTimestepSampler, loss: readonly number[], n: number, rng: Rng) {
  const { timesteps, weights } = sampler.sample(n, rng);
  const values = Array.from(timesteps, (t, i) => weights[i]! * loss[t]!);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, standardError: sd / Math.sqrt(n) };
}

describe('lossSecondMomentTimesteps', () => {
  it('samples uniformly with weight 1 until every timestep has a full history', () => {
    const sampler = lossSecondMomentTimesteps(4, { historyPerTerm: 3 });
    const rows = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
      [10, 11],
    ];
    feed(sampler, rows);
    expect(sampler.warmedUp).toBe(false);
    expect(Array.from(sampler.probabilities())).toEqual([0.25, 0.25, 0.25, 0.25]);
    const rng = createRng(3);
    const { timesteps, weights } = sampler.sample(4000, rng);
    expect(weights.every((w) => w === 1)).toBe(true);
    const counts = [0, 0, 0, 0];
    for (const t of timesteps) counts[t]!++;
    // Binomial(4000, 1/4): sd ≈ 27.4, so 5 sd ≈ 137.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(5 * Math.sqrt(4000 * 0.25 * 0.75));

    sampler.update([3], [12]);
    expect(sampler.warmedUp).toBe(true);
    expect(sampler.sample(64, rng).weights.some((w) => w !== 1)).toBe(true);
  });

  it('draws p_t ∝ √E[L_t²] mixed with the uniform distribution (hand-computed, T = 4)', () => {
    const sampler = lossSecondMomentTimesteps(4, { historyPerTerm: 2, uniformProbability: 0.001 });
    // Timestep 0 gets three losses; only the last two (1, 1) are kept.
    feed(sampler, [[9, 1, 1], [1, 7], [2, 2], [2, 14]]);
    // √mean(L²): t0 √((1+1)/2) = 1, t1 √((1+49)/2) = 5, t2 √((4+4)/2) = 2, t3 √((4+196)/2) = 10; sum 18.
    const expected = [1, 5, 2, 10].map((r) => (r / 18) * 0.999 + 0.001 / 4);
    const p = sampler.probabilities();
    expected.forEach((e, t) => expect(p[t]).toBeCloseTo(e, 14));
    expect(sampler.state().history).toEqual([[1, 1], [1, 7], [2, 2], [2, 14]]);

    // The draws follow p (5 binomial standard deviations each) and carry weights 1/(T·p_t).
    const n = 200_000;
    const { timesteps, weights } = sampler.sample(n, createRng(4));
    const counts = [0, 0, 0, 0];
    let wrongWeights = 0;
    timesteps.forEach((t, i) => {
      counts[t]!++;
      if (weights[i] !== Math.fround(1 / (4 * expected[t]!))) wrongWeights++;
    });
    expect(wrongWeights).toBe(0);
    counts.forEach((c, t) => expect(Math.abs(c - n * expected[t]!)).toBeLessThan(5 * Math.sqrt(n * expected[t]! * (1 - expected[t]!))));
  });

  it('gives an unbiased weighted loss after warm-up (5 standard errors, and exactly in expectation)', () => {
    const T = 32;
    const sampler = lossSecondMomentTimesteps(T, { historyPerTerm: 5, uniformProbability: 0.01 });
    warmUp(sampler, createRng(5));
    expect(sampler.warmedUp).toBe(true);
    // A fixed loss vector that is not proportional to p, so w·L really varies from draw to draw.
    const loss = Array.from({ length: T }, (_, t) => 0.2 + Math.abs(Math.sin(t)));
    const target = loss.reduce((a, b) => a + b, 0) / T;
    // In expectation: Σ_t p_t · (1/(T p_t)) · L_t = mean(L) up to the float32 rounding of weights.
    const p = sampler.probabilities();
    const expectation = loss.reduce((s, l, t) => s + p[t]! * Math.fround(1 / (T * p[t]!)) * l, 0);
    expect(Math.abs(expectation - target)).toBeLessThan(1e-6 * target);
    const { mean, standardError } = weightedLossEstimate(sampler, loss, 200_000, createRng(6));
    expect(standardError).toBeGreaterThan(0);
    expect(Math.abs(mean - target)).toBeLessThan(5 * standardError);
  });

  it('round-trips its state exactly, through JSON, mid warm-up and after', () => {
    const options = { historyPerTerm: 4, uniformProbability: 0.05 };
    const a = lossSecondMomentTimesteps(12, options);
    const losses = createRng(8);
    a.update([0, 1, 1, 5], [0.5, 0.25, 1 / 3, 2.75]);
    const mid = lossSecondMomentTimesteps(12, options);
    mid.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(mid.state()).toEqual(a.state());
    expect(mid.warmedUp).toBe(false);

    warmUp(a, losses);
    a.update([3, 3, 7], [Math.PI, Math.E, 1e-300]);
    const b = lossSecondMomentTimesteps(12, options);
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(b.state()).toEqual(a.state());
    expect(Array.from(b.probabilities())).toEqual(Array.from(a.probabilities()));

    // Same rng state, same updates → identical subsequent samples.
    const rngA = createRng(9);
    const rngB = createRng(rngA.state());
    for (let step = 0; step < 5; step++) {
      const sa = a.sample(16, rngA);
      const sb = b.sample(16, rngB);
      expect(Array.from(sb.timesteps)).toEqual(Array.from(sa.timesteps));
      expect(Array.from(sb.weights)).toEqual(Array.from(sa.weights));
      const stepLosses = Array.from(sa.timesteps, () => losses.uniform());
      a.update(sa.timesteps, stepLosses);
      b.update(sb.timesteps, stepLosses);
    }
    expect(b.state()).toEqual(a.state());
  });

  it('is deterministic for the same seed and history', () => {
    const make = () => {
      const s = lossSecondMomentTimesteps(20, { historyPerTerm: 2 });
      warmUp(s, createRng(10));
      return s;
    };
    const [a, b] = [make(), make()];
    expect(Array.from(a.sample(100, createRng(11)).timesteps)).toEqual(Array.from(b.sample(100, createRng(11)).timesteps));
    expect(Array.from(a.sample(100, createRng(11)).timesteps)).not.toEqual(Array.from(b.sample(100, createRng(12)).timesteps));
  });

  it('falls back to uniform when every recorded loss is 0, and never draws a timestep of probability 0', () => {
    const zero = lossSecondMomentTimesteps(3, { historyPerTerm: 1 });
    zero.update([0, 1, 2], [0, 0, 0]);
    expect(Array.from(zero.probabilities())).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const sparse = lossSecondMomentTimesteps(3, { historyPerTerm: 1, uniformProbability: 0 });
    sparse.update([0, 1, 2], [0, 2, 0]);
    expect(Array.from(sparse.probabilities())).toEqual([0, 1, 0]);
    const { timesteps, weights } = sparse.sample(1000, createRng(13));
    expect(timesteps.every((t) => t === 1)).toBe(true);
    expect(weights.every((w) => w === Math.fround(1 / 3))).toBe(true);
  });

  it('rejects bad options with coded errors naming the option', () => {
    expect(() => lossSecondMomentTimesteps(0)).toThrow(/numTimesteps/);
    expect(() => lossSecondMomentTimesteps(10, { historyPerTerm: 0 })).toThrow(invalid);
    expect(() => lossSecondMomentTimesteps(10, { historyPerTerm: 2.5 })).toThrow(/historyPerTerm/);
    expect(() => lossSecondMomentTimesteps(10, { uniformProbability: -0.1 })).toThrow(/uniformProbability/);
    expect(() => lossSecondMomentTimesteps(10, { uniformProbability: 1.5 })).toThrow(invalid);
    expect(() => lossSecondMomentTimesteps(10, { uniformProbability: Number.NaN })).toThrow(/uniformProbability/);
    expect(() => lossSecondMomentTimesteps(10).sample(0, createRng(1))).toThrow(/batchSize/);
  });

  it('rejects bad updates with coded errors and leaves its history untouched', () => {
    const sampler = lossSecondMomentTimesteps(5, { historyPerTerm: 2 });
    sampler.update([1], [0.5]);
    const before = sampler.state();
    expect(() => sampler.update([0, 1], [1])).toThrow(/losses/);
    expect(() => sampler.update([0, 5], [1, 1])).toThrow(expect.objectContaining({ code: 'CDM_TIMESTEP_OUT_OF_RANGE' }));
    expect(() => sampler.update([0, 1.5], [1, 1])).toThrow(expect.objectContaining({ code: 'CDM_TIMESTEP_OUT_OF_RANGE' }));
    expect(() => sampler.update([0, 1], [1, Number.NaN])).toThrow(expect.objectContaining({ code: 'CDM_NON_FINITE' }));
    expect(sampler.state()).toEqual(before);
  });

  it('rejects bad states with coded errors and leaves its history untouched', () => {
    const sampler = lossSecondMomentTimesteps(3, { historyPerTerm: 2 });
    sampler.update([0, 2], [1, 2]);
    const good = sampler.state();
    const bad: unknown[] = [
      undefined,
      'state',
      { ...good, name: 'uniform' },
      { ...good, numTimesteps: 4 },
      { ...good, historyPerTerm: 3 },
      { ...good, history: [[1], []] },
      { ...good, history: 'none' },
      { ...good, history: [[1, 2, 3], [], []] },
      { ...good, history: [[1], null, []] },
      { ...good, history: [[1], ['2'], []] },
      { ...good, history: [[1], [null], []] }, // what JSON makes of NaN
      { ...good, history: [[1], [Number.POSITIVE_INFINITY], []] },
    ];
    for (const state of bad) expect(() => sampler.loadState(state), JSON.stringify(state)).toThrow(invalid);
    expect(() => sampler.loadState({ ...good, history: [[1], [2, 3, 4], []] })).toThrow(/state\.history\[1\]/);
    expect(sampler.state()).toEqual(good);
  });
});

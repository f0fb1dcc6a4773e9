import { describe, expect, it } from 'vitest';
import { computeCoefficients } from './coefficients';
import { cosineSchedule } from './cosine';
import { linearSchedule } from './linear';
import { scheduleFromBetas } from './noise-schedule';
import { createNoiseSchedule, createScheduleRegistry } from './schedule-registry';

/** Relative difference, safe at zero. */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('linear schedule', () => {
  it.each([1000, 4000, 250])('runs from 1e-4·1000/T to 0.02·1000/T in equal steps (T = %i)', (T) => {
    const { betas, numTimesteps } = linearSchedule.create(T);
    expect(numTimesteps).toBe(T);
    expect(betas[0]).toBe((1000 / T) * 1e-4);
    expect(betas[T - 1]).toBe((1000 / T) * 0.02);
    const step = ((1000 / T) * (0.02 - 1e-4)) / (T - 1);
    for (let i = 1; i < T; i++) expect(betas[i]! - betas[i - 1]!).toBeCloseTo(step, 15);
  });

  it('has ᾱ equal to exp(Σ log(1 − β)) to 1e-12 and the published ᾱ_T ≈ 4.04e-5 at T = 1000', () => {
    const { betas, alphasCumprod } = linearSchedule.create(1000);
    let logSum = 0;
    for (let i = 0; i < 1000; i++) {
      logSum += Math.log1p(-betas[i]!);
      expect(rel(alphasCumprod[i]!, Math.exp(logSum))).toBeLessThan(1e-12);
    }
    // DDPM's linear schedule leaves ᾱ_T ≈ 4.04e-5 (so q(x_T|x_0) ≈ N(0, I)).
    expect(alphasCumprod[999]).toBeGreaterThan(4.03e-5);
    expect(alphasCumprod[999]).toBeLessThan(4.05e-5);
  });
});

describe('cosine schedule', () => {
  const s = 0.008;
  const alphaBar = (t: number, T: number) =>
    Math.cos(((t / T + s) / (1 + s)) * (Math.PI / 2)) ** 2 / Math.cos((s / (1 + s)) * (Math.PI / 2)) ** 2;

  it.each([1000, 4000])('matches ᾱ_t = f(t)/f(0) in closed form wherever β is not clipped (T = %i)', (T) => {
    const { alphasCumprod } = cosineSchedule.create(T);
    for (const t of [1, 2, 10, T / 4, T / 2, (3 * T) / 4, T - 2]) {
      // alphasCumprod[i] is ᾱ_{i+1}
      expect(rel(alphasCumprod[t - 1]!, alphaBar(t, T))).toBeLessThan(1e-9);
    }
  });

  it('clips β at 0.999 at the last step, where 1 − ᾱ_T/ᾱ_{T−1} would be 1', () => {
    const { betas, alphasCumprod } = cosineSchedule.create(1000);
    expect(betas[999]).toBe(0.999);
    expect(Math.max(...betas)).toBe(0.999);
    expect(rel(alphasCumprod[999]!, alphasCumprod[998]! * 0.001)).toBeLessThan(1e-12);
  });
});

describe('computeCoefficients', () => {
  for (const [name, schedule] of [
    ['linear', linearSchedule.create(1000)],
    ['cosine', cosineSchedule.create(1000)],
  ] as const) {
    it(`gives the posterior of q(x_{t−1}|x_t,x_0) from Gaussian conditioning (${name})`, () => {
      // Independent derivation: q(x_{t-1}|x_0) = N(√ᾱ_{t-1} x_0, 1−ᾱ_{t-1}), q(x_t|x_{t-1}) = N(√α_t x_{t-1}, β_t).
      // Posterior precision = 1/(1−ᾱ_{t−1}) + α_t/β_t; mean = var·(√ᾱ_{t−1} x_0/(1−ᾱ_{t−1}) + √α_t x_t/β_t).
      const c = computeCoefficients(schedule);
      for (const i of [1, 2, 50, 500, 998, 999]) {
        const beta = schedule.betas[i]!;
        const alpha = 1 - beta;
        const acPrev = schedule.alphasCumprod[i - 1]!;
        const variance = 1 / (1 / (1 - acPrev) + alpha / beta);
        expect(rel(c.posteriorVariance[i]!, variance)).toBeLessThan(1e-9);
        expect(rel(c.posteriorMeanCoef1[i]!, (variance * Math.sqrt(acPrev)) / (1 - acPrev))).toBeLessThan(1e-9);
        expect(rel(c.posteriorMeanCoef2[i]!, (variance * Math.sqrt(alpha)) / beta)).toBeLessThan(1e-9);
        expect(rel(c.posteriorLogVarianceClipped[i]!, Math.log(variance))).toBeLessThan(1e-9);
      }
    });

    it(`derives every forward-process term in float64 (${name})`, () => {
      const c = computeCoefficients(schedule);
      for (const i of [0, 1, 500, 999]) {
        const ac = schedule.alphasCumprod[i]!;
        expect(c.alphas[i]).toBe(1 - schedule.betas[i]!);
        expect(c.alphasCumprodPrev[i]).toBe(i === 0 ? 1 : schedule.alphasCumprod[i - 1]);
        expect(c.alphasCumprodNext[i]).toBe(i === 999 ? 0 : schedule.alphasCumprod[i + 1]);
        expect(c.sqrtAlphasCumprod[i]! ** 2).toBeCloseTo(ac, 14);
        expect(c.sqrtOneMinusAlphasCumprod[i]! ** 2).toBeCloseTo(1 - ac, 14);
        expect(rel(Math.exp(c.logOneMinusAlphasCumprod[i]!), 1 - ac)).toBeLessThan(1e-12);
        expect(rel(c.sqrtRecipAlphasCumprod[i]! * c.sqrtAlphasCumprod[i]!, 1)).toBeLessThan(1e-14);
        expect(rel(c.sqrtRecipm1AlphasCumprod[i]! ** 2, (1 - ac) / ac)).toBeLessThan(1e-12);
      }
      expect(c.alphasCumprod).toBeInstanceOf(Float64Array);
      expect(computeCoefficients(schedule)).toBe(c); // cached per schedule
    });
  }

  it('clips the log posterior variance at t = 0, where β̃ = 0, to its value at t = 1', () => {
    const c = computeCoefficients(linearSchedule.create(1000));
    expect(c.posteriorVariance[0]).toBe(0);
    expect(c.posteriorLogVarianceClipped[0]).toBe(Math.log(c.posteriorVariance[1]!));
    // Known value: β̃_2 = β_2 (1 − ᾱ_1)/(1 − ᾱ_2) for the DDPM linear betas.
    const b1 = 1e-4;
    const b2 = 1e-4 + (0.02 - 1e-4) / 999;
    expect(rel(c.posteriorVariance[1]!, (b2 * b1) / (1 - (1 - b1) * (1 - b2)))).toBeLessThan(1e-9);
  });
});

describe('schedule registry and validation', () => {
  it('builds by name and lists the built-ins', () => {
    expect(createNoiseSchedule('cosine', 10).name).toBe('cosine');
    expect(createScheduleRegistry().list()).toEqual(['linear', 'cosine']);
    expect(() => createNoiseSchedule('sigmoid', 10)).toThrow(/Unknown noise schedule "sigmoid"; registered: linear, cosine/);
  });

  it('takes user schedules through the registry', () => {
    const registry = createScheduleRegistry().use({
      name: 'constant',
      create: (T) => scheduleFromBetas('constant', new Float64Array(T).fill(0.01)),
    });
    expect(createNoiseSchedule('constant', 3, registry).alphasCumprod[2]).toBeCloseTo(0.99 ** 3, 15);
  });

  it('rejects bad step counts and betas with coded errors naming them', () => {
    expect(() => linearSchedule.create(0)).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    expect(() => linearSchedule.create(20)).toThrow(/more than 20 for the linear schedule/);
    expect(() => cosineSchedule.create(2.5)).toThrow(/numTimesteps/);
    expect(() => scheduleFromBetas('bad', Float64Array.of(0.1, 0))).toThrow(/betas\[1\]/);
    expect(() => scheduleFromBetas('bad', Float64Array.of(0.1, Number.NaN))).toThrow(/betas\[1\]/);
  });
});

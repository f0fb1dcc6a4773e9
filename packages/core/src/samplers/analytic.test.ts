import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianDiffusion } from '../diffusion/gaussian-diffusion';
import type { ModelOutputType } from '../diffusion/parameterization';
import { createRng } from '../rng';
import { cosineSchedule } from '../schedules/cosine';
import { linearSchedule } from '../schedules/linear';
import type { NoiseSchedule } from '../schedules/noise-schedule';
import { spacedTimesteps, type TimestepSpacing } from '../schedules/respace';
import { gaussianOracle } from '../testing/gaussian-oracle';
import { ddimSampler } from './ddim';
import { ddpmSampler } from './ddpm';
import { dpmSolverPlusPlusSampler, sdeDpmSolverPlusPlusSampler } from './dpm-solver-plus-plus';
import { sample } from './sample-loop';

/**
 * Samplers driven by the exact optimal denoiser of Gaussian data, checked three ways:
 * 1. element by element against a float64 scalar re-implementation of the same sampler written
 *    here from the papers' equations, fed the same noise stream;
 * 2. the distribution of the float64 run, propagated exactly (the chain is linear-Gaussian), is
 *    N(μ, σ²) up to the discretisation error the number of steps leaves;
 * 3. the float32 samples' moments match within 5 standard errors.
 */

const MU = 0.3;
const SIGMA = 0.5;
const SHAPE = [4, 16, 16, 4] as const; // 4 096 independent scalars
const N = SHAPE.reduce((a, b) => a * b, 1);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Reference {
  /** Final samples in float64, element by element. */
  readonly samples: Float64Array;
  /** Exact mean and variance of the reference sampler's output distribution. */
  readonly mean: number;
  readonly variance: number;
  /** The output mean had x_T been drawn from q(x_T) = N(√ᾱ_T μ, ·) instead of N(0, 1). */
  readonly meanFromTruePrior: number;
}

/**
 * Float64 reference sampler for x_0 ~ N(μ, σ²) with the optimal ε, no clipping. ᾱ at the kept
 * timesteps comes straight from the base schedule. DDPM (η = null) uses the posterior variance
 * β̃ of the respaced process; DDIM uses η.
 */
function referenceSampler(schedule: NoiseSchedule, spacing: TimestepSpacing, eta: number | null, seed: number): Reference {
  const kept = spacedTimesteps(schedule.numTimesteps, spacing);
  const rng = createRng(seed);
  const x = Float64Array.from(rng.normalArray(N));
  let mean = 0;
  let variance = 1;
  let meanFromTruePrior = Math.sqrt(schedule.alphasCumprod[kept[kept.length - 1]!]!) * MU;
  for (let k = kept.length - 1; k >= 0; k--) {
    const ab = schedule.alphasCumprod[kept[k]!]!;
    const abPrev = k === 0 ? 1 : schedule.alphasCumprod[kept[k - 1]!]!;
    const denom = ab * SIGMA * SIGMA + 1 - ab;
    // ε̂(x) = e1·x + e0 and x̂_0 = (x − √(1−ᾱ) ε̂)/√ᾱ
    const e1 = Math.sqrt(1 - ab) / denom;
    const e0 = -e1 * Math.sqrt(ab) * MU;
    const x1 = (1 - Math.sqrt(1 - ab) * e1) / Math.sqrt(ab);
    const x0c = (-Math.sqrt(1 - ab) * e0) / Math.sqrt(ab);
    let a: number; // x_prev = a·x + b + s·z
    let b: number;
    let s: number;
    if (eta === null) {
      const beta = 1 - ab / abPrev;
      const c1 = (Math.sqrt(abPrev) * beta) / (1 - ab);
      const c2 = (Math.sqrt(1 - beta) * (1 - abPrev)) / (1 - ab);
      a = c1 * x1 + c2;
      b = c1 * x0c;
      s = k > 0 ? Math.sqrt((beta * (1 - abPrev)) / (1 - ab)) : 0;
    } else {
      s = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
      const c = Math.sqrt(1 - abPrev - s * s);
      a = Math.sqrt(abPrev) * x1 + c * e1;
      b = Math.sqrt(abPrev) * x0c + c * e0;
      if (k === 0) s = 0;
    }
    const z = s > 0 ? rng.normalArray(N) : undefined;
    for (let i = 0; i < N; i++) x[i] = a * x[i]! + b + (z === undefined ? 0 : s * z[i]!);
    mean = a * mean + b;
    meanFromTruePrior = a * meanFromTruePrior + b;
    variance = a * a * variance + s * s;
  }
  return { samples: x, mean, variance, meanFromTruePrior };
}

/** λ = log(α/σ) at ᾱ, in float64. */
const halfLogSnr = (alphaBar: number) => 0.5 * (Math.log(alphaBar) - Math.log1p(-alphaBar));

/**
 * Float64 DPM-Solver++(2M) (Lu et al. 2022, alg. 2) for x_0 ~ N(μ, σ²) with the optimal x̂_0, no
 * clipping, written from the paper: x_u = (σ_u/σ_s) x_s − α_u (e^{−h} − 1) D with D = x̂_0 on the
 * first step and (1 + 1/(2r)) x̂_0 − 1/(2r) x̂_0′ after it (r = h′/h), and x̂_0 itself at the end.
 * Each sample is an affine map of its x_T, so the map (a, b) is tracked as well as the samples;
 * `odeError` is the root-mean-square distance over x_T ~ N(0, 1) of that map from the exact
 * probability-flow map of Gaussian data, x_0 = μ + σ (x_T − √ᾱ_T μ)/√(ᾱ_T σ² + 1 − ᾱ_T).
 * `order: 1` is the same recurrence without the correction: DDIM with η = 0. `stochastic` is the
 * SDE form, x_u = (σ_u/σ_s) e^{−h} x_s + α_u (1 − e^{−2h}) D + σ_u √(1 − e^{−2h}) z, with z drawn from
 * the same stream in the same order as the sampling loop and the sampler draw theirs (then
 * `odeError` is not meaningful).
 */
function referenceDpmSolver(
  schedule: NoiseSchedule,
  spacing: TimestepSpacing,
  order: 1 | 2,
  seed: number,
  stochastic = false,
): { samples: Float64Array; odeError: number } {
  const kept = spacedTimesteps(schedule.numTimesteps, spacing);
  const rng = createRng(seed);
  const x = Float64Array.from(rng.normalArray(N));
  const alphaBarT = schedule.alphasCumprod[kept[kept.length - 1]!]!;
  let [a, b] = [1, 0]; // the sample so far is a·x_T + b
  let previous: { x0: Float64Array; a: number; b: number; h: number } | undefined;
  for (let k = kept.length - 1; k >= 0; k--) {
    const ab = schedule.alphasCumprod[kept[k]!]!;
    const abPrev = k === 0 ? 1 : schedule.alphasCumprod[kept[k - 1]!]!;
    const gain = (Math.sqrt(ab) * SIGMA * SIGMA) / (ab * SIGMA * SIGMA + 1 - ab); // x̂_0 = μ + gain·(x − √ᾱ μ)
    const x0 = x.map((v) => MU + gain * (v - Math.sqrt(ab) * MU));
    const [x0a, x0b] = [gain * a, MU + gain * (b - Math.sqrt(ab) * MU)];
    if (k === 0) {
      x.set(x0);
      [a, b] = [x0a, x0b];
      break;
    }
    const h = halfLogSnr(abPrev) - halfLogSnr(ab);
    const w = order === 2 && previous !== undefined ? h / (2 * previous.h) : 0;
    const keep = Math.sqrt((1 - abPrev) / (1 - ab)) * (stochastic ? Math.exp(-h) : 1);
    const push = -Math.sqrt(abPrev) * (Math.exp((stochastic ? -2 : -1) * h) - 1);
    const z = stochastic ? rng.normalArray(N) : undefined;
    const spread = stochastic ? Math.sqrt((1 - abPrev) * (1 - Math.exp(-2 * h))) : 0;
    for (let i = 0; i < N; i++) x[i] = keep * x[i]! + push * ((1 + w) * x0[i]! - w * (previous?.x0[i] ?? 0)) + (z === undefined ? 0 : spread * z[i]!);
    [a, b] = [keep * a + push * ((1 + w) * x0a - w * (previous?.a ?? 0)), keep * b + push * ((1 + w) * x0b - w * (previous?.b ?? 0))];
    previous = { x0, a: x0a, b: x0b, h };
  }
  const exactA = SIGMA / Math.sqrt(alphaBarT * SIGMA * SIGMA + 1 - alphaBarT);
  const exactB = MU - exactA * Math.sqrt(alphaBarT) * MU;
  return { samples: x, odeError: Math.hypot(a - exactA, b - exactB) };
}

const FACTORIES = { ddpm: ddpmSampler, ddim: ddimSampler, 'dpm++2m': dpmSolverPlusPlusSampler, 'dpm++2m-sde': sdeDpmSolverPlusPlusSampler } as const;

async function runSampler(
  schedule: NoiseSchedule,
  kind: keyof typeof FACTORIES,
  output: ModelOutputType,
  spacing: TimestepSpacing,
  seed: number,
): Promise<Float32Array> {
  const diffusion = new GaussianDiffusion({ schedule, modelOutput: output });
  const factory = FACTORIES[kind];
  const sampler = factory.create(diffusion, { steps: spacing, clipDenoised: false, eta: 0 });
  const model = gaussianOracle({ schedule, mean: MU, std: SIGMA, output });
  const { sample: x } = await sample({ sampler, model, shape: SHAPE, rng: createRng(seed), checkFinite: 'end' });
  const values = (await x.data()) as Float32Array;
  x.dispose();
  model.dispose();
  return values;
}

function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    sumSq += values[i]! * values[i]!;
  }
  const mean = sum / values.length;
  return { mean, variance: sumSq / values.length - mean * mean };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** 5 standard errors of the sample mean and the sample variance for N(·, σ²). */
const meanTolerance = 5 * Math.sqrt((SIGMA * SIGMA) / N);
const varianceTolerance = 5 * SIGMA * SIGMA * Math.sqrt(2 / N);

describe.each([
  ['linear', linearSchedule.create(1000)],
  ['cosine', cosineSchedule.create(1000)],
] as const)('analytic sampling, %s schedule', (_, schedule) => {
  // Derived (float64, Python and the reference below agree): the optimal mean keeps E[x] exact
  // whenever x_T ~ q(x_T); the variance choice costs DDPM (β̃, 1000 steps) 1.5 % of σ² on the
  // linear schedule and 0.8 % on cosine; DDIM with 50 steps loses 10.7 % and 5.9 %.
  it('DDPM with 1000 steps matches the float64 reference and reproduces N(μ, σ²)', async () => {
    const values = await runSampler(schedule, 'ddpm', 'eps', 1000, 11);
    const reference = referenceSampler(schedule, 1000, null, 11);
    // Float32 vs float64 over 1000 steps, same noise: below 2e-4 absolute.
    expect(maxAbsDiff(values, reference.samples)).toBeLessThan(2e-4);
    expect(Math.abs(reference.meanFromTruePrior - MU)).toBeLessThan(1e-9);
    expect(Math.abs(reference.mean - MU)).toBeLessThan(1e-5);
    expect(Math.abs(reference.variance - SIGMA * SIGMA)).toBeLessThan(0.02 * SIGMA * SIGMA);
    const m = moments(values);
    expect(Math.abs(m.mean - reference.mean)).toBeLessThan(meanTolerance);
    expect(Math.abs(m.variance - reference.variance)).toBeLessThan(varianceTolerance);
  });

  it('DDIM (η = 0) with 50 steps is the deterministic map the float64 reference computes', async () => {
    const values = await runSampler(schedule, 'ddim', 'eps', 'ddim50', 12);
    const reference = referenceSampler(schedule, 'ddim50', 0, 12);
    expect(maxAbsDiff(values, reference.samples)).toBeLessThan(1e-4);
    expect(Math.abs(reference.meanFromTruePrior - MU)).toBeLessThan(1e-9);
    expect(Math.abs(reference.mean - MU)).toBeLessThan(0.005);
    expect(Math.abs(reference.variance - SIGMA * SIGMA)).toBeLessThan(0.12 * SIGMA * SIGMA);
    const m = moments(values);
    expect(Math.abs(m.mean - reference.mean)).toBeLessThan(meanTolerance);
    expect(Math.abs(m.variance - reference.variance)).toBeLessThan(varianceTolerance);
  });

  it('DDIM with η = 1 matches the float64 reference with the same noise', async () => {
    const diffusion = new GaussianDiffusion({ schedule });
    const sampler = ddimSampler.create(diffusion, { steps: 'ddim50', clipDenoised: false, eta: 1 });
    const model = gaussianOracle({ schedule, mean: MU, std: SIGMA, output: 'eps' });
    const { sample: x } = await sample({ sampler, model, shape: SHAPE, rng: createRng(21) });
    const reference = referenceSampler(schedule, 'ddim50', 1, 21);
    expect(maxAbsDiff((await x.data()) as Float32Array, reference.samples)).toBeLessThan(1e-4);
    expect(Math.abs(reference.meanFromTruePrior - MU)).toBeLessThan(1e-9);
    x.dispose();
    model.dispose();
  });

  it.each(['x0', 'v'] as const)('an oracle parameterised as %s gives the same DDIM samples as ε', async (output) => {
    const viaEps = await runSampler(schedule, 'ddim', 'eps', 'ddim50', 13);
    const viaOther = await runSampler(schedule, 'ddim', output, 'ddim50', 13);
    expect(maxAbsDiff(viaOther, viaEps)).toBeLessThan(1e-4);
  });

  it.each([
    ['eps', 'trailing10'],
    ['eps', 'trailing25'],
    ['eps', 'ddim50'],
    ['eps', 20],
    ['x0', 'trailing10'],
    ['v', 'trailing10'],
    ['x0', 20],
  ] as const)('DPM-Solver++(2M) with a %s oracle (%s) is the deterministic map the float64 reference computes', async (output, spacing) => {
    const values = await runSampler(schedule, 'dpm++2m', output, spacing, 15);
    const reference = referenceDpmSolver(schedule, spacing, 2, 15);
    // x̂_0 = (x_t − √(1−ᾱ) ε̂)/√ᾱ turns float32's rounding of ε̂ (~1e-7) into ~1e-7/√ᾱ: at the cosine
    // schedule's last timestep (√ᾱ ≈ 5e-5, which "trailingN" and "N" visit) that is ~2e-3 in x̂_0,
    // ~3e-4 after the step. x̂_0 from x0 and v involves no division.
    const top = spacedTimesteps(schedule.numTimesteps, spacing).at(-1)!;
    const tolerance = output === 'eps' ? Math.max(1e-4, 1e-7 / Math.sqrt(schedule.alphasCumprod[top]!)) : 1e-4;
    expect(maxAbsDiff(values, reference.samples)).toBeLessThan(tolerance);
  });

  it.each([
    ['eps', 'trailing10'],
    ['v', 'trailing25'],
    ['x0', 20],
  ] as const)('SDE-DPM-Solver++(2M) with a %s oracle (%s) matches the float64 reference with the same noise', async (output, spacing) => {
    const values = await runSampler(schedule, 'dpm++2m-sde', output, spacing, 17);
    const reference = referenceDpmSolver(schedule, spacing, 2, 17, true);
    const top = spacedTimesteps(schedule.numTimesteps, spacing).at(-1)!;
    const tolerance = output === 'eps' ? Math.max(1e-4, 1e-7 / Math.sqrt(schedule.alphasCumprod[top]!)) : 1e-4; // as above
    expect(maxAbsDiff(values, reference.samples)).toBeLessThan(tolerance);
  });

  it('SDE-DPM-Solver++ at first order is DDPM with the posterior variance, noise for noise', async () => {
    const reference = referenceDpmSolver(schedule, 50, 1, 18, true);
    const ddpm = referenceSampler(schedule, 50, null, 18);
    expect(maxAbsDiff(reference.samples, ddpm.samples)).toBeLessThan(1e-9);
  });

  it('DPM-Solver++(2M) follows the probability-flow ODE more closely than DDIM at 10 and 20 trailing steps', () => {
    // Float64, against the exact map of Gaussian data. Measured: cosine 2.5e-2 vs 7.3e-2 (10 steps),
    // 1.5e-3 vs 3.8e-2 (20); linear 9.5e-2 vs 1.3e-1, 2.2e-2 vs 6.9e-2. The first-order recurrence
    // is DDIM's map: checked against the DDIM reference above.
    for (const steps of [10, 20]) {
      const dpm = referenceDpmSolver(schedule, `trailing${steps}`, 2, 1).odeError;
      const ddim = referenceDpmSolver(schedule, `trailing${steps}`, 1, 1);
      expect(maxAbsDiff(ddim.samples, referenceSampler(schedule, `trailing${steps}`, 0, 1).samples)).toBeLessThan(1e-12);
      expect(dpm).toBeLessThan((steps === 10 ? 0.8 : 0.35) * ddim.odeError);
    }
  });

  it.each(['x0', 'v'] as const)('an oracle parameterised as %s gives the same DDPM samples as ε', async (output) => {
    const viaEps = await runSampler(schedule, 'ddpm', 'eps', 250, 14);
    const viaOther = await runSampler(schedule, 'ddpm', output, 250, 14);
    const reference = referenceSampler(schedule, 250, null, 14);
    expect(maxAbsDiff(viaEps, reference.samples)).toBeLessThan(2e-4);
    expect(maxAbsDiff(viaOther, viaEps)).toBeLessThan(2e-4);
  });
});

describe('single data point', () => {
  const schedule = linearSchedule.create(1000);
  const target = () => tf.tensor4d(createRng(5).uniformArray(16 * 16 * 3).map((u) => 1.8 * u - 0.9), [1, 16, 16, 3]);

  it.each([
    ['ddim', 'eps', 'ddim50'],
    ['ddim', 'x0', 'ddim50'],
    ['ddim', 'v', 'ddim50'],
    ['ddim', 'eps', 'ddim10'],
    ['ddpm', 'eps', 1000],
    ['ddpm', 'v', 100],
    ['dpm++2m', 'eps', 'trailing10'],
    ['dpm++2m', 'v', 'trailing5'],
    ['dpm++2m', 'x0', 25],
    ['dpm++2m-sde', 'eps', 'trailing10'],
    ['dpm++2m-sde', 'v', 50],
  ] as const)('%s with a %s oracle (%s) returns x* to 1e-4', async (kind, output, steps) => {
    const xStar = target();
    const model = gaussianOracle({ schedule, mean: xStar, std: 0, output });
    const diffusion = new GaussianDiffusion({ schedule, modelOutput: output });
    const sampler = FACTORIES[kind].create(diffusion, { steps });
    const before = tf.memory().numTensors;
    const { sample: x } = await sample({ sampler, model, shape: [4, 16, 16, 3], rng: createRng(9) });
    expect(tf.memory().numTensors).toBe(before + 1);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(x, xStar))));
    expect((await diff.data())[0]).toBeLessThan(1e-4);
    tf.dispose([x, diff, xStar]);
    model.dispose();
  });
});

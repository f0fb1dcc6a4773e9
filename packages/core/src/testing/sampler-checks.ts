import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { GaussianDiffusion } from '../diffusion/gaussian-diffusion';
import type { ModelOutputType } from '../diffusion/parameterization';
import { createRng, type Rng } from '../rng';
import { sample, truncationLevels, type SampleOptions } from '../samplers/sample-loop';
import type { Sampler, SamplerFactory, SamplerOptions, SamplerStepOutput } from '../samplers/sampler';
import { cosineSchedule } from '../schedules/cosine';
import { linearSchedule } from '../schedules/linear';
import type { NoiseSchedule } from '../schedules/noise-schedule';
import { spacedTimesteps, type TimestepSpacing } from '../schedules/respace';
import { gaussianOracle } from './gaussian-oracle';

/**
 * The individual checks behind `describeSamplerConformance`, exported so a test can run one
 * against a deliberately broken sampler. Every check creates its samplers afresh with
 * `factory.create` over a 1000-step process (so a sampler may keep state between the steps of one
 * run), runs on tfjs' current backend, reads results with `await t.data()` only, and fails
 * through vitest's `expect`.
 *
 * Most checks drive the sampler with `gaussianOracle`, the exact optimal denoiser of Gaussian
 * data, so the right answer is known without a trained model.
 */
export interface SamplerCheckSettings {
  /** The respacing to sample with; it replaces `options.steps`. Default `'ddim10'`. */
  readonly steps?: TimestepSpacing;
  /** Passed to `factory.create` (with `steps` above). */
  readonly options?: SamplerOptions;
  /** What the oracle predicts, for the checks that run a model. Default `'eps'`. */
  readonly output?: ModelOutputType;
}

/** The trained process every check samples from: the linear schedule over T steps. */
export const SAMPLER_CHECK_TIMESTEPS = 1000;

/** Data of the statistics check: x_0 ~ N(μ, σ²) per scalar. */
export const SAMPLER_CHECK_DATA = { mean: 0.3, std: 0.5 } as const;

const DEFAULT_STEPS: TimestepSpacing = 'ddim10';
/** The statistics check needs enough steps for the built-in samplers to be near the truth. */
const DEFAULT_STATISTICS_STEPS: TimestepSpacing = 50;
const OUTPUTS: readonly ModelOutputType[] = ['eps', 'x0', 'v'];

/** Small images: tfjs' cpu backend is slow at broadcasting. */
const POINT_SHAPE = [2, 8, 8, 2] as const;
const STATISTICS_SHAPE = [4, 16, 16, 4] as const; // 4 096 scalars

const SEED_POINT = 31;
const SEED_A = 1;
const SEED_B = 2;
const SEED_INITIAL = 7;
const SEED_GRADIENT = 11;

let linear: NoiseSchedule | undefined;
let cosine: NoiseSchedule | undefined;
const linearProcess = () => (linear ??= linearSchedule.create(SAMPLER_CHECK_TIMESTEPS));
const cosineProcess = () => (cosine ??= cosineSchedule.create(SAMPLER_CHECK_TIMESTEPS));

const stepsOf = (settings: SamplerCheckSettings, fallback: TimestepSpacing = DEFAULT_STEPS): TimestepSpacing => settings.steps ?? fallback;
const outputOf = (settings: SamplerCheckSettings) => settings.output ?? 'eps';
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const describeSteps = (steps: TimestepSpacing) => (Array.isArray(steps) ? `[${steps.join(', ')}]` : JSON.stringify(steps));

/** "sampler "ddim" (steps "ddim10", oracle eps)": where a failure happened. */
function label(factory: SamplerFactory, steps: TimestepSpacing, output?: ModelOutputType): string {
  return `sampler "${String(factory.name)}" (steps ${describeSteps(steps)}${output === undefined ? '' : `, oracle ${output}`})`;
}

function createSampler(factory: SamplerFactory, diffusion: GaussianDiffusion, steps: TimestepSpacing, options: SamplerOptions = {}): Sampler {
  return factory.create(diffusion, { ...options, steps });
}

/** A seeded image x* with values in [−0.9, 0.9], shape [1, H, W, C] of `POINT_SHAPE`. */
export function makeDataPoint(seed = SEED_POINT): tf.Tensor4D {
  const [, h, w, c] = POINT_SHAPE;
  const values = createRng(seed).uniformArray(h * w * c).map((u) => 1.8 * u - 0.9);
  return tf.tensor4d(values, [1, h, w, c], 'float32');
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** max |a − b| where b is broadcast over a's batch (b holds one image). */
function maxAbsDiffBroadcast(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = Number.isNaN(a[0]!) ? Number.NaN : 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i % b.length]!);
    if (!(d <= worst)) worst = d; // NaN propagates
  }
  return worst;
}

/** Duck-typed, so a sampler built against another copy of tfjs-core still passes. */
const isTensorLike = (u: unknown): u is tf.Tensor =>
  typeof u === 'object' && u !== null && Array.isArray((u as tf.Tensor).shape) && typeof (u as tf.Tensor).data === 'function';

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/** Runs `sample()` to the end and returns the values, leaving no tensor behind. */
async function sampleValues(options: SampleOptions): Promise<Float32Array> {
  const { sample: x } = await sample({ checkFinite: 'end', ...options });
  try {
    return Float32Array.from(await x.data());
  } finally {
    x.dispose();
  }
}

/**
 * `create()` returns a sampler with a non-empty name, a `diffusion` that is the trained process
 * respaced as asked (same length, same model timesteps, same ᾱ, same parameterisation), a `step`
 * function, and `timesteps`: integers, strictly descending, within [0, diffusion.numTimesteps),
 * ending at 0. Tried with ε, x_0 and v processes.
 */
export function checkSamplerCreate(factory: SamplerFactory, settings: SamplerCheckSettings = {}): void {
  const steps = stepsOf(settings);
  const base = linearProcess();
  const kept = spacedTimesteps(base.numTimesteps, steps);
  expect(typeof factory.name === 'string' && factory.name.trim() !== '', 'factory.name must be a non-empty string').toBe(true);
  for (const output of OUTPUTS) {
    const where = label(factory, steps, output);
    const sampler = createSampler(factory, new GaussianDiffusion({ schedule: base, modelOutput: output }), steps, settings.options);
    expect(typeof sampler === 'object' && sampler !== null, `${where}: create() must return an object`).toBe(true);
    expect(typeof sampler.name === 'string' && sampler.name.trim() !== '', `${where}: sampler.name must be a non-empty string`).toBe(true);
    expect(typeof sampler.step, `${where}: sampler.step must be a function`).toBe('function');

    const { diffusion } = sampler;
    expect(typeof diffusion?.numTimesteps, `${where}: sampler.diffusion must be a GaussianDiffusion`).toBe('number');
    expect(
      diffusion.numTimesteps,
      `${where}: sampler.diffusion must be the trained process respaced to the requested steps (${kept.length} timesteps); use diffusion.respace(options.steps)`,
    ).toBe(kept.length);
    expect(
      Array.from(diffusion.schedule.timestepMap),
      `${where}: sampler.diffusion.schedule.timestepMap must list the trained timesteps kept by the respacing`,
    ).toEqual(kept);
    const worstAlphaBar = Math.max(...kept.map((index, k) => Math.abs(diffusion.schedule.alphasCumprod[k]! / base.alphasCumprod[index]! - 1)));
    expect(worstAlphaBar, `${where}: the respaced process must keep the trained ᾱ at every kept timestep`).toBeLessThan(1e-9);
    expect(diffusion.modelOutput, `${where}: sampler.diffusion must keep the model's parameterisation`).toBe(output);

    const { timesteps } = sampler;
    expect(Array.isArray(timesteps) && timesteps.length > 0, `${where}: sampler.timesteps must be a non-empty array`).toBe(true);
    const outside = timesteps.find((t) => !Number.isInteger(t) || t < 0 || t >= diffusion.numTimesteps);
    expect(outside, `${where}: sampler.timesteps must be integers in [0, ${diffusion.numTimesteps}), got ${String(outside)}`).toBeUndefined();
    const notDescending = timesteps.findIndex((t, i) => i > 0 && !(t < timesteps[i - 1]!));
    expect(
      notDescending,
      `${where}: sampler.timesteps must be strictly descending, but ${timesteps[notDescending - 1]} is followed by ${timesteps[notDescending]} ` +
        `(timesteps start at ${timesteps[0]})`,
    ).toBe(-1);
    expect(timesteps[timesteps.length - 1], `${where}: sampler.timesteps must end at 0 (the step to clean data)`).toBe(0);
  }
}

/**
 * Driven by the exact denoiser of a single data point x* (the oracle with σ = 0), whose x_0
 * prediction is x* at every step, `sample()` returns x* within `tolerance` (default 1e-3). Any
 * correct sampler does, however it discretises.
 */
export async function checkSamplerSinglePoint(factory: SamplerFactory, settings: SamplerCheckSettings = {}, tolerance = 1e-3): Promise<void> {
  const steps = stepsOf(settings);
  const output = outputOf(settings);
  const schedule = linearProcess();
  const xStar = makeDataPoint();
  const model = gaussianOracle({ schedule, mean: xStar, std: 0, output });
  try {
    const sampler = createSampler(factory, new GaussianDiffusion({ schedule, modelOutput: output }), steps, settings.options);
    const values = await sampleValues({ sampler, model, shape: POINT_SHAPE, rng: createRng(SEED_A) });
    const worst = maxAbsDiffBroadcast(values, await xStar.data());
    expect(
      worst,
      `${label(factory, steps, output)}: sample() ended ${worst} away from the single data point x* (max |x − x*|); ` +
        'with the exact denoiser of one point every x_0 prediction is x*, so a correct sampler must return it',
    ).toBeLessThan(tolerance);
  } finally {
    model.dispose();
    xStar.dispose();
  }
}

/**
 * On data x_0 ~ N(0.3, 0.5²) (4 096 independent scalars, the exact denoiser, clipDenoised
 * false), the samples have a mean within 0.05 of 0.3 and a standard deviation within 15 % of 0.5.
 *
 * The bounds are loose on purpose: every sampler has its own discretisation error, which a check
 * for third-party samplers must allow. It runs on the cosine schedule (default 50 steps), where
 * that error is small: the built-in DDPM (β̃ variance) loses 6.6 % of σ there, DDIM (η = 0) 3.1 %;
 * on the linear schedule they lose 11 % and 6 %, and at 10 steps 33 % and 25 % — a sampler far
 * off N(μ, σ²) at 50 steps is broken, not coarse. The sampling error of the std estimate is ~1 %.
 * Resolves to the measured mean and standard deviation.
 */
export async function checkSamplerGaussianStatistics(
  factory: SamplerFactory,
  settings: SamplerCheckSettings = {},
): Promise<{ mean: number; std: number }> {
  const steps = stepsOf(settings, DEFAULT_STATISTICS_STEPS);
  const output = outputOf(settings);
  const schedule = cosineProcess();
  const { mean: mu, std: sigma } = SAMPLER_CHECK_DATA;
  const model = gaussianOracle({ schedule, mean: mu, std: sigma, output });
  try {
    const sampler = createSampler(factory, new GaussianDiffusion({ schedule, modelOutput: output }), steps, {
      ...settings.options,
      clipDenoised: false,
    });
    const values = await sampleValues({ sampler, model, shape: STATISTICS_SHAPE, rng: createRng(SEED_A) });
    const where = `${label(factory, steps, output)} on N(${mu}, ${sigma}²) data`;
    const bad = firstNonFinite(values);
    expect(bad, `${where}: a sample is not finite (${values[bad]}) at flat index ${bad}`).toBe(-1);
    let sum = 0;
    let sumSq = 0;
    for (const v of values) {
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / values.length;
    const std = Math.sqrt(Math.max(0, sumSq / values.length - mean * mean));
    expect(Math.abs(mean - mu), `${where}: the samples' mean is ${mean.toFixed(4)}, expected ${mu} ± 0.05`).toBeLessThanOrEqual(0.05);
    expect(
      Math.abs(std / sigma - 1),
      `${where}: the samples' standard deviation is ${std.toFixed(4)}, expected ${sigma} ± 15 %`,
    ).toBeLessThanOrEqual(0.15);
    return { mean, std };
  } finally {
    model.dispose();
  }
}

/**
 * Two runs with the same rng seed give bit-identical samples (fresh samplers each time). Then, from
 * the same x_T under two different seeds: with `stochastic: false` the samples must be identical
 * (the sampler draws no noise), with `stochastic: true` they must differ (it draws its noise from
 * the rng it is given), and when `stochastic` is undefined nothing more is asserted. Resolves to
 * whether the samples depended on the seed beyond x_T.
 */
export async function checkSamplerDeterminism(
  factory: SamplerFactory,
  settings: SamplerCheckSettings & { readonly stochastic?: boolean } = {},
): Promise<{ usesRng: boolean }> {
  const steps = stepsOf(settings);
  const output = outputOf(settings);
  const schedule = linearProcess();
  const diffusion = new GaussianDiffusion({ schedule, modelOutput: output });
  const { mean: mu, std: sigma } = SAMPLER_CHECK_DATA;
  const model = gaussianOracle({ schedule, mean: mu, std: sigma, output });
  const initial = tf.tensor4d(createRng(SEED_INITIAL).normalArray(sizeOf(POINT_SHAPE)), [...POINT_SHAPE], 'float32');
  const where = label(factory, steps, output);
  const run = (seed: number, fromInitial = false) =>
    sampleValues({
      sampler: createSampler(factory, diffusion, steps, settings.options),
      model,
      shape: POINT_SHAPE,
      rng: createRng(seed),
      ...(fromInitial && { initial }),
    });
  try {
    const [first, again] = [await run(SEED_A), await run(SEED_A)];
    expect(
      sameBits(first, again),
      `${where}: two runs with the same rng seed gave different samples (max |Δ| ${maxAbsDiff(first, again)}); ` +
        'draw all noise from the rng passed to step() (not Math.random or tf.random*), and keep no state across runs',
    ).toBe(true);
    const [fromA, fromB] = [await run(SEED_A, true), await run(SEED_B, true)];
    const usesRng = !sameBits(fromA, fromB);
    if (settings.stochastic === false) {
      expect(
        usesRng,
        `${where}: declared deterministic, but two runs from the same x_T with different rng seeds differ (max |Δ| ${maxAbsDiff(fromA, fromB)})`,
      ).toBe(false);
    } else if (settings.stochastic === true) {
      expect(usesRng, `${where}: declared stochastic, but runs from the same x_T with different rng seeds are identical; draw the step noise from the rng passed to step()`).toBe(true);
    }
    return { usesRng };
  } finally {
    model.dispose();
    initial.dispose();
  }
}

/** The inputs of one step of a run stepped by hand. */
interface ManualStep {
  readonly index: number;
  readonly t: number;
  readonly xt: tf.Tensor4D;
  readonly modelOutput: tf.Tensor4D;
  readonly classifierGradient: tf.Tensor4D | undefined;
  readonly rng: Rng;
}

/**
 * Steps a fresh sampler through all its timesteps with the oracle of N(0.3, 0.5²), as `sample()`
 * would (and, with `withGradient`, a small classifier gradient at every step). `inspect` runs
 * around each step and calls `step()` to make it happen (once; later calls return the same
 * outputs). Every tensor the run makes is disposed, even when `inspect` fails, but never the `prev`
 * that the next step takes as its x_t.
 */
async function manualRun(
  factory: SamplerFactory,
  settings: SamplerCheckSettings,
  withGradient: boolean,
  inspect: (input: ManualStep, step: () => SamplerStepOutput) => Promise<void>,
): Promise<void> {
  const steps = stepsOf(settings);
  const output = outputOf(settings);
  const schedule = linearProcess();
  const sampler = createSampler(factory, new GaussianDiffusion({ schedule, modelOutput: output }), steps, settings.options);
  const { mean: mu, std: sigma } = SAMPLER_CHECK_DATA;
  const model = gaussianOracle({ schedule, mean: mu, std: sigma, output });
  const rng = createRng(SEED_A);
  const gradientRng = createRng(SEED_GRADIENT);
  const map = sampler.diffusion.schedule.timestepMap;
  let x = tf.tensor4d(rng.normalArray(sizeOf(POINT_SHAPE)), [...POINT_SHAPE], 'float32');
  try {
    for (const [index, t] of sampler.timesteps.entries()) {
      const tModel = tf.fill([POINT_SHAPE[0]], map[t]!, 'int32') as tf.Tensor1D;
      const modelOutput = model(x, tModel, undefined);
      tModel.dispose();
      const classifierGradient = withGradient
        ? tf.tensor4d(gradientRng.normalArray(sizeOf(POINT_SHAPE)).map((g) => 0.01 * g), [...POINT_SHAPE], 'float32')
        : undefined;
      const input: ManualStep = { index, t, xt: x, modelOutput, classifierGradient, rng };
      let out: SamplerStepOutput | undefined;
      const step = () => (out ??= sampler.step(stepInput(input)));
      let next: tf.Tensor4D | undefined;
      try {
        await inspect(input, step);
        next = step().prev;
      } finally {
        const made: unknown[] = [x, modelOutput, classifierGradient, out?.predX0, out?.prev];
        const toDispose = new Set(made.filter((u): u is tf.Tensor => isTensorLike(u) && u !== next && !u.isDisposed));
        tf.dispose([...toDispose]);
      }
      x = next;
    }
  } finally {
    if (!x.isDisposed) x.dispose();
    model.dispose();
  }
}

const stepInput = (input: ManualStep) => ({
  modelOutput: input.modelOutput,
  t: input.t,
  xt: input.xt,
  rng: input.rng,
  ...(input.classifierGradient !== undefined && { classifierGradient: input.classifierGradient }),
});

/**
 * At every step of a run, `step()` returns `prev` and `predX0` as float32 tensors of xt's shape,
 * all finite, that are new: neither one of its inputs nor each other (the caller disposes
 * `predX0` and keeps `prev`).
 */
export async function checkSamplerStepOutputs(factory: SamplerFactory, settings: SamplerCheckSettings = {}): Promise<void> {
  const where = label(factory, stepsOf(settings), outputOf(settings));
  await manualRun(factory, settings, false, async (input, step) => {
    const out = step();
    const at = `${where}, step() at t = ${input.t}`;
    expect(typeof out === 'object' && out !== null, `${at} must return { prev, predX0 }`).toBe(true);
    const inputs: unknown[] = [input.xt, input.modelOutput];
    for (const [what, u] of [['prev', out.prev], ['predX0', out.predX0]] as const) {
      expect(isTensorLike(u), `${at}: ${what} must be a tensor`).toBe(true);
      expect(inputs.includes(u), `${at} returned one of its inputs as ${what}; return a new tensor the caller owns (e.g. tf.clone)`).toBe(false);
      expect(u.shape, `${at}: ${what} shape`).toEqual(input.xt.shape);
      expect(u.dtype, `${at}: ${what} dtype`).toBe('float32');
      const values = await u.data();
      const bad = firstNonFinite(values);
      expect(bad, `${at}: ${what} has a non-finite value (${values[bad]}) at flat index ${bad}`).toBe(-1);
    }
    expect(out.prev === out.predX0, `${at} returned the same tensor as prev and predX0; the caller disposes predX0 and keeps prev`).toBe(false);
  });
}

/**
 * At every step of a run (with a classifier gradient), `step()` leaves `xt`, `modelOutput` and
 * `classifierGradient` undisposed and unchanged.
 */
export async function checkSamplerStepInputsUntouched(factory: SamplerFactory, settings: SamplerCheckSettings = {}): Promise<void> {
  const where = label(factory, stepsOf(settings), outputOf(settings));
  await manualRun(factory, settings, true, async (input, step) => {
    const named = [
      ['xt', input.xt],
      ['modelOutput', input.modelOutput],
      ['classifierGradient', input.classifierGradient!],
    ] as const;
    const before = await Promise.all(named.map(async ([, u]) => Float32Array.from(await u.data())));
    await step().prev.data(); // let lazily scheduled work finish
    const at = `${where}, step() at t = ${input.t}`;
    for (const [i, [what, u]] of named.entries()) {
      expect(u.isDisposed, `${at} disposed its input ${what}; step() must dispose nothing it is given`).toBe(false);
      expect(sameBits(before[i]!, await u.data()), `${at} changed the values of its input ${what}`).toBe(true);
    }
  });
}

/**
 * Over a whole run (once without and once with a classifier gradient), once every output is
 * disposed as many tensors are alive as before: a sampler may hold tensors between its steps
 * (a multistep method's history) but must release them by the end of the run.
 */
export async function checkSamplerStepTensorLeaks(factory: SamplerFactory, settings: SamplerCheckSettings = {}): Promise<void> {
  const where = label(factory, stepsOf(settings), outputOf(settings));
  for (const withGradient of [false, true]) {
    const counts: number[] = [];
    let baseline = 0;
    const before = tf.memory().numTensors;
    await manualRun(factory, settings, withGradient, async (input, step) => {
      // Alive here beyond the oracle's own tensors: x_t, the model output and the gradient.
      if (input.index === 0) baseline = tf.memory().numTensors;
      await step().prev.data();
      // After the step, prev and predX0 are alive too.
      counts.push(tf.memory().numTensors - baseline - 2);
    });
    const leaked = tf.memory().numTensors - before;
    const why = leaked > 0 ? `left ${leaked} tensor(s) alive` : `disposed ${-leaked} tensor(s) it did not own`;
    expect(
      leaked,
      `${where}${withGradient ? ' with a classifier gradient' : ''} ${why} over a run of ${counts.length} steps, every output disposed ` +
        `(tensors held after each step: ${counts.join(', ')})`,
    ).toBe(0);
  }
}

/**
 * With the single-data-point oracle, the last step (t = 0) returns `prev` equal to its `predX0`
 * within `tolerance` (default 1e-5): the step to clean data ends on the x_0 estimate, whatever
 * noise or history the sampler uses (with one data point every estimate is x*).
 */
export async function checkSamplerLastStep(factory: SamplerFactory, settings: SamplerCheckSettings = {}, tolerance = 1e-5): Promise<void> {
  const steps = stepsOf(settings);
  const output = outputOf(settings);
  const schedule = linearProcess();
  const xStar = makeDataPoint();
  const model = gaussianOracle({ schedule, mean: xStar, std: 0, output });
  let last: { t: number; predX0: tf.Tensor4D } | undefined;
  try {
    const sampler = createSampler(factory, new GaussianDiffusion({ schedule, modelOutput: output }), steps, settings.options);
    const values = await sampleValues({
      sampler,
      model,
      shape: POINT_SHAPE,
      rng: createRng(SEED_A),
      onProgress: ({ t, predX0 }) => {
        last?.predX0.dispose();
        last = { t, predX0: tf.clone(predX0) };
      },
    });
    const where = label(factory, steps, output);
    expect(last?.t, `${where}: the last step must be at t = 0`).toBe(0);
    const worst = maxAbsDiff(values, await last!.predX0.data());
    expect(worst, `${where}: the last step (t = 0) returned prev ${worst} away from its predX0 (max |prev − predX0|)`).toBeLessThan(tolerance);
  } finally {
    last?.predX0.dispose();
    model.dispose();
    xStar.dispose();
  }
}

/**
 * `sample({ truncateAt })` at a level from `truncationLevels(sampler)` (one in the middle of the
 * run) runs the steps before that level only and returns a finite tensor of the requested shape,
 * with that `level`, leaving no other tensor behind.
 */
export async function checkSamplerTruncation(factory: SamplerFactory, settings: SamplerCheckSettings = {}): Promise<void> {
  const steps = stepsOf(settings);
  const output = outputOf(settings);
  const schedule = linearProcess();
  const { mean: mu, std: sigma } = SAMPLER_CHECK_DATA;
  const model = gaussianOracle({ schedule, mean: mu, std: sigma, output });
  try {
    const sampler = createSampler(factory, new GaussianDiffusion({ schedule, modelOutput: output }), steps, settings.options);
    const levels = truncationLevels(sampler);
    // levels has one entry per timestep and a final 0; take one in the middle (the first if there is one step).
    const index = Math.min(Math.floor(levels.length / 2), levels.length - 2);
    const level = levels[index]!;
    const where = `${label(factory, steps, output)}, truncated at level ${level}`;
    let stepsRun = 0;
    const before = tf.memory().numTensors;
    const result = await sample({ sampler, model, shape: POINT_SHAPE, rng: createRng(SEED_A), truncateAt: level, onProgress: () => stepsRun++ });
    try {
      expect(tf.memory().numTensors - before, `${where}: sample() must leave only its result alive`).toBe(1);
      expect(result.level, `${where}: result level`).toBe(level);
      expect(result.sample.shape, `${where}: result shape`).toEqual([...POINT_SHAPE]);
      expect(stepsRun, `${where}: steps run before stopping`).toBe(index);
      const values = await result.sample.data();
      const bad = firstNonFinite(values);
      expect(bad, `${where}: the state has a non-finite value (${values[bad]}) at flat index ${bad}`).toBe(-1);
    } finally {
      result.sample.dispose();
    }
  } finally {
    model.dispose();
  }
}

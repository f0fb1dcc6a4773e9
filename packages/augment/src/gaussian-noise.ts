import * as tf from '@tensorflow/tfjs-core';
import {
  alphaBarAtLevel,
  createNoiseSchedule,
  errors,
  randomNormal,
  type AugmentationPolicy,
  type AugmentationPolicyFactory,
  type AugmentationResult,
  type NoiseSchedule,
  type Rng,
} from '@cdm/core';
import { choiceOption, integerOption, readOptions } from './options';

/** A schedule by registered name (`createNoiseSchedule(name, numTimesteps)`): what a `cascade.json` holds. */
export interface NoiseScheduleSpec {
  readonly name: string;
  readonly numTimesteps: number;
}

/**
 * - `amortized`: training draws s uniformly from {0, …, maxLevel} per example, so one model
 *   learns every level and the level is chosen at sampling time (Ho et al. 2021, §3).
 * - `fixed`: training always uses s = maxLevel, and sampling must ask for that level.
 */
export type GaussianNoiseMode = 'amortized' | 'fixed';

export interface GaussianNoiseOptions {
  /** The largest level s used in training, an integer in 0…T. */
  readonly maxLevel: number;
  /**
   * The forward process that defines the levels: a `{ name, numTimesteps }` spec (JSON, resolved
   * in core's `noiseSchedules` registry) or a `NoiseSchedule` as trained (not respaced). For a
   * truncated hand-over it must be the previous stage's schedule.
   */
  readonly schedule: NoiseScheduleSpec | NoiseSchedule;
  /** Default `'amortized'`. */
  readonly mode?: GaussianNoiseMode;
}

/** The policy, with its resolved settings, so a cascade can check them against the stage below. */
export interface GaussianNoisePolicy extends AugmentationPolicy {
  readonly name: 'gaussian-noise';
  readonly schedule: NoiseSchedule;
  readonly maxLevel: number;
  readonly mode: GaussianNoiseMode;
}

const POLICY = 'gaussian-noise';
const MODES: readonly GaussianNoiseMode[] = ['amortized', 'fixed'];

function resolveSchedule(value: unknown): NoiseSchedule {
  const expected = 'a { name, numTimesteps } spec or a NoiseSchedule';
  if (value === null || typeof value !== 'object') throw errors.invalidArgument(`${POLICY} option schedule`, expected, value);
  if ('alphasCumprod' in value) {
    const schedule = value as NoiseSchedule;
    if (schedule.timestepMap.some((t, i) => t !== i)) {
      throw errors.invalidArgument(`${POLICY} option schedule`, 'the schedule as trained (levels count trained steps), not a respaced one', schedule.name);
    }
    return schedule;
  }
  const spec = readOptions(`${POLICY} schedule`, value, ['name', 'numTimesteps']);
  if (typeof spec.name !== 'string') throw errors.invalidArgument(`${POLICY} option schedule.name`, 'a registered schedule name', spec.name);
  const numTimesteps = integerOption(POLICY, 'schedule.numTimesteps', spec.numTimesteps, 1, Number.MAX_SAFE_INTEGER);
  return createNoiseSchedule(spec.name, numTimesteps);
}

/**
 * Gaussian conditioning augmentation (Ho et al. 2021, §3): the low-resolution image x is
 * corrupted by the forward process of `schedule`, z_s = √ᾱ_s·x + √(1 − ᾱ_s)·ε with ε ~ N(0, I),
 * where level s has ᾱ_s = alphasCumprod[s − 1] (level 0 is x itself), the convention of core's
 * `alphaBarAtLevel` and `sample({ truncateAt })`. The level s is returned for the denoiser to embed.
 *
 * - `train`: s per example (uniform on 0…maxLevel, or maxLevel in `fixed` mode), then ε. Draws,
 *   in order: B integers (`rng.int`, amortized only), then B·H·W·C normals (`randomNormal`).
 * - `sample(x, ctx, { level: s, handover: 'clean' })`: x is a finished sample z_0; returns z_s.
 * - `sample(z, ctx, { level: s, handover: 'truncated' })`: z is already z_s (the stage below
 *   stopped at `truncateAt: s`), so it is returned unchanged (a copy), with level s.
 */
export function gaussianNoise(options: GaussianNoiseOptions): GaussianNoisePolicy {
  const raw = readOptions(POLICY, options, ['maxLevel', 'schedule', 'mode']);
  const schedule = resolveSchedule(raw.schedule);
  const T = schedule.numTimesteps;
  const maxLevel = integerOption(POLICY, 'maxLevel', raw.maxLevel, 0, T, `an integer level (the schedule has T = ${T})`);
  const mode = raw.mode === undefined ? 'amortized' : choiceOption(POLICY, 'mode', raw.mode, MODES);

  /** z_s per example, with √ᾱ and √(1 − ᾱ) from the float64 schedule. */
  const noised = (lowRes: tf.Tensor4D, levels: readonly number[], rng: Rng): AugmentationResult => {
    const batch = lowRes.shape[0];
    const signal = new Float32Array(batch);
    const sigma = new Float32Array(batch);
    levels.forEach((s, i) => {
      const alphaBar = alphaBarAtLevel(schedule, s);
      signal[i] = Math.sqrt(alphaBar);
      sigma[i] = Math.sqrt(1 - alphaBar);
    });
    return tf.tidy(() => {
      const noise = randomNormal<tf.Rank.R4>(rng, lowRes.shape);
      const image = tf.add(tf.mul(lowRes, tf.tensor4d(signal, [batch, 1, 1, 1])), tf.mul(noise, tf.tensor4d(sigma, [batch, 1, 1, 1])));
      return { image: image as tf.Tensor4D, level: tf.tensor1d(levels as number[], 'float32') };
    });
  };

  /** Sampling may only ask for levels the model was trained on (as diffusers range-checks its noise level). */
  const checkSampleParams = (level: unknown, handover: unknown): number => {
    const low = mode === 'fixed' ? maxLevel : 0;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < low || level > maxLevel) {
      const expected = mode === 'fixed' ? `the trained level ${maxLevel} (mode "fixed")` : `an integer level it was trained on, 0…${maxLevel}`;
      throw errors.invalidArgument(`${POLICY} sample level`, expected, level);
    }
    if (handover !== 'clean' && handover !== 'truncated') throw errors.invalidArgument(`${POLICY} sample handover`, '"clean" or "truncated"', handover);
    return level;
  };

  return {
    name: POLICY,
    schedule,
    maxLevel,
    mode,
    train(lowRes, { rng }) {
      const batch = lowRes.shape[0];
      const levels = Array.from({ length: batch }, () => (mode === 'fixed' ? maxLevel : rng.int(maxLevel + 1)));
      return noised(lowRes, levels, rng);
    },
    sample(lowRes, { rng }, { level, handover }) {
      const s = checkSampleParams(level, handover);
      const levels = new Array<number>(lowRes.shape[0]).fill(s);
      // Truncated hand-over: the stage below already returned z_s; noising it again would give z_{s'} for a larger s'.
      if (handover === 'truncated' || s === 0) {
        return { image: tf.clone(lowRes), level: tf.tensor1d(levels, 'float32') };
      }
      return noised(lowRes, levels, rng);
    },
  };
}

/** `'gaussian-noise'` for registries: `create(options)` is `gaussianNoise(options)`. */
export const gaussianNoiseFactory: AugmentationPolicyFactory = {
  name: POLICY,
  create: (options) => gaussianNoise(options as GaussianNoiseOptions),
};

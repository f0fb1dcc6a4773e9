import * as tf from '@tensorflow/tfjs-core';
import { allFinite } from '../all-finite';
import type { DenoiseFn, DenoiserCondition } from '../contracts/denoiser';
import { errors } from '../errors';
import { randomNormal } from '../random-normal';
import type { Rng } from '../rng';
import { yieldToEventLoop } from '../yield-to-event-loop';
import { classifierFreeGuidance } from './classifier-free-guidance';
import type { Sampler } from './sampler';

export interface ClassifierFreeGuidanceOptions {
  /** w: 1 = plain conditional sampling (the unconditional pass is skipped), > 1 = stronger guidance. */
  readonly scale: number;
  /** The condition with labels replaced by the null class. */
  readonly unconditional: DenoiserCondition;
}

export interface ClassifierGuidanceOptions {
  /** s, the gradient scale of Dhariwal & Nichol 2021. */
  readonly scale: number;
  /** ∇ₓ log p(y | x_t) for the batch (e.g. through `tf.grad` of a noisy-image classifier). */
  gradient(x: tf.Tensor4D, t: tf.Tensor1D, condition: DenoiserCondition | undefined): tf.Tensor4D;
}

export interface SampleProgress {
  /** Steps done so far (1 after the first step). */
  readonly step: number;
  readonly totalSteps: number;
  /** The sampler's process index just stepped from, and the model timestep it stands for. */
  readonly t: number;
  readonly timestep: number;
  /** The current x_0 estimate, for previews; disposed after the callback returns. */
  readonly predX0: tf.Tensor4D;
  /**
   * The state the step produced, x at `level`: what `truncateAt: level` would return from the same
   * rng (so one run can record the hand-overs for several truncation levels). Valid only during the
   * callback and owned by the loop: clone it to keep it.
   */
  readonly state: tf.Tensor4D;
  /** The level of `state` (0 after the last step). */
  readonly level: number;
}

export interface SampleOptions {
  readonly sampler: Sampler;
  readonly model: DenoiseFn;
  /** [B, H, W, C] of the samples. */
  readonly shape: readonly [number, number, number, number];
  readonly rng: Rng;
  /** Start from this x_T instead of fresh noise (not disposed). */
  readonly initial?: tf.Tensor4D;
  readonly condition?: DenoiserCondition;
  readonly classifierFree?: ClassifierFreeGuidanceOptions;
  readonly classifier?: ClassifierGuidanceOptions;
  /**
   * Stop the reverse process early and return z_s, the state at level s of the trained process
   * (level s has ᾱ = alphasCumprod[s − 1]; level 0 is the finished sample). `s` must be 0 or
   * `timestepMap[k] + 1` for an index k the sampler visits (`truncationLevels` lists them).
   * CDM's truncated conditioning augmentation hands z_s to the next stage.
   */
  readonly truncateAt?: number;
  readonly onProgress?: (event: SampleProgress) => void;
  readonly signal?: AbortSignal;
  /** Check the model output for NaN/Inf after every step (default), only the result, or never. */
  readonly checkFinite?: 'step' | 'end' | 'off';
}

export type SampleResult = {
  readonly sample: tf.Tensor4D;
  /** The level of the returned state: 0, or the truncation level. */
  readonly level: number;
};

/** The levels at which a run of `sampler` can stop (descending, ending with 0). */
export function truncationLevels(sampler: Sampler): number[] {
  const map = sampler.diffusion.schedule.timestepMap;
  return [...sampler.timesteps.map((t) => map[t]! + 1), 0];
}

/** Samples from the reverse process with the given sampler, guidance and truncation. */
export async function sample(options: SampleOptions): Promise<SampleResult> {
  const { sampler, model, shape, rng, condition, classifierFree, classifier, signal } = options;
  const checkFinite = options.checkFinite ?? 'step';
  checkShape(shape);
  const stopAt = stepsBeforeTruncation(sampler, options.truncateAt ?? 0);
  const levels = truncationLevels(sampler);
  const map = sampler.diffusion.schedule.timestepMap;
  const predictionChannels = shape[3];

  let x: tf.Tensor4D = options.initial?.clone() ?? randomNormal<tf.Rank.R4>(rng, shape);
  if (options.initial !== undefined && options.initial.shape.some((d, i) => d !== shape[i])) {
    x.dispose();
    throw errors.shapeMismatch('initial', `[${shape.join(', ')}]`, options.initial.shape);
  }
  sampler.reset?.();
  try {
    for (let i = 0; i < stopAt; i++) {
      if (signal?.aborted) throw errors.aborted('Sampling');
      const t = sampler.timesteps[i]!;
      const timestep = map[t]!;
      const tModel = tf.fill([shape[0]], timestep, 'int32') as tf.Tensor1D;
      let modelOutput: tf.Tensor4D | undefined;
      let classifierGradient: tf.Tensor4D | undefined;
      try {
        modelOutput = tf.tidy(() => {
          const conditional = model(x, tModel, condition);
          if (classifierFree === undefined || classifierFree.scale === 1) return conditional;
          const unconditional = model(x, tModel, classifierFree.unconditional);
          return classifierFreeGuidance(conditional, unconditional, classifierFree.scale, predictionChannels);
        });
        classifierGradient =
          classifier === undefined ? undefined : tf.tidy(() => tf.mul(classifier.scale, classifier.gradient(x, tModel, condition)) as tf.Tensor4D);
        if (checkFinite === 'step' && !(await allFinite(modelOutput))) {
          throw errors.nonFinite('The model output', `at step ${i + 1} of ${stopAt} (timestep ${timestep})`);
        }
        const { prev, predX0 } = sampler.step({
          modelOutput,
          t,
          xt: x,
          rng,
          ...(classifierGradient === undefined ? {} : { classifierGradient }),
        });
        try {
          options.onProgress?.({ step: i + 1, totalSteps: stopAt, t, timestep, predX0, state: prev, level: levels[i + 1]! });
        } finally {
          predX0.dispose();
          x.dispose();
          x = prev;
        }
      } finally {
        tf.dispose([tModel, modelOutput ?? [], classifierGradient ?? []]);
      }
      await yieldToEventLoop();
    }
    if (checkFinite !== 'off' && !(await allFinite(x))) throw errors.nonFinite('The sample', 'at the end of sampling');
    return { sample: x, level: options.truncateAt ?? 0 };
  } catch (error) {
    x.dispose();
    throw error;
  } finally {
    sampler.reset?.();
  }
}

function checkShape(shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw errors.invalidArgument('shape', '[batch, height, width, channels] of positive integers', shape);
  }
}

/** How many steps run before the state is at `level`. */
function stepsBeforeTruncation(sampler: Sampler, level: number): number {
  if (level === 0) return sampler.timesteps.length;
  const levels = truncationLevels(sampler);
  const index = levels.indexOf(level);
  if (index < 0) {
    const near = [...levels].sort((a, b) => Math.abs(a - level) - Math.abs(b - level)).slice(0, 3).sort((a, b) => a - b);
    throw errors.invalidArgument('truncateAt', `a level this sampler passes through (nearest: ${near.join(', ')}); use steps that include it`, level);
  }
  return index;
}

import type * as tf from '@tensorflow/tfjs-core';
import type { GaussianDiffusion } from '../diffusion/gaussian-diffusion';
import type { Rng } from '../rng';
import type { TimestepSpacing } from '../schedules/respace';

export interface SamplerStepInput {
  /** The denoiser's output for `xt` at `t` (classifier-free guidance already applied). */
  readonly modelOutput: tf.Tensor4D;
  /** Index into the sampler's (respaced) process, one of `sampler.timesteps`. */
  readonly t: number;
  readonly xt: tf.Tensor4D;
  /** Source of the step's noise (stochastic samplers only). */
  readonly rng: Rng;
  /**
   * Classifier guidance: s·∇ₓ log p(y | x_t), already scaled. Ancestral samplers shift the mean by
   * Σ·g (Dhariwal & Nichol 2021, alg. 1); DDIM uses the score form ε − √(1−ᾱ)·g (alg. 2).
   */
  readonly classifierGradient?: tf.Tensor4D;
}

export type SamplerStepOutput = {
  /** x at the next index down (x_{t−1} of the process being stepped). */
  readonly prev: tf.Tensor4D;
  /** The model's estimate of x_0 at this step. */
  readonly predX0: tf.Tensor4D;
};

/**
 * One reverse-process algorithm over a fixed set of timesteps, in the style of a diffusers
 * scheduler: the caller runs the model, the sampler turns its output into the next sample.
 * `step` neither disposes nor modifies what it is given; `prev` and `predX0` are new tensors,
 * distinct from the inputs and from each other, owned by the caller. A multistep sampler may keep
 * history between steps (DPM-Solver++ keeps the previous x̂_0); it releases it in `reset()`, which
 * the sampling loop calls before a run's first step and after its last, also when a run stops early
 * (truncated, aborted or failed).
 */
export interface Sampler {
  readonly name: string;
  /** The (possibly respaced) process it steps through; its `timestepMap` gives model timesteps. */
  readonly diffusion: GaussianDiffusion;
  /** Process indices visited, in order (descending). */
  readonly timesteps: readonly number[];
  step(input: SamplerStepInput): SamplerStepOutput;
  /** Multistep samplers: forget (and dispose) the history of the current run. */
  reset?(): void;
}

/** Options shared by the built-in samplers; a `cascade.json` stores them as they are. */
export interface SamplerOptions {
  /** Which trained timesteps to visit. Default: all of them. */
  readonly steps?: TimestepSpacing;
  /** DDIM's η in [0, 1]: 0 = deterministic, 1 = DDPM-like noise. Default 0 (DPM-Solver++ takes only 0). */
  readonly eta?: number;
  /** Clip predicted x_0 to [−1, 1]. Default true. */
  readonly clipDenoised?: boolean;
}

/** A named sampler, created for a trained diffusion process. */
export interface SamplerFactory {
  readonly name: string;
  create(diffusion: GaussianDiffusion, options?: SamplerOptions): Sampler;
}

import type { Registries, TimestepSpacing } from '@cdm/core';
import type { Stage, StageSampleParams } from '@cdm/cascade';

/** How one stage sampled: the call's parameters merged over the stage's defaults, every field filled in. */
export interface ResolvedStageParams {
  readonly sampler: string;
  /** The respacing asked for; null when the sampler ran every trained timestep. */
  readonly steps: TimestepSpacing | null;
  /** How many denoising steps that is. */
  readonly timesteps: number;
  /** DDIM η as given; null: the sampler's own default (0 for `ddim`). */
  readonly eta: number | null;
  /** Classifier-free guidance weight w (1 = none). */
  readonly guidanceScale: number;
  /** Classifier guidance scale (0 = none). */
  readonly classifierScale: number;
  /** Super-resolution stages: the conditioning-augmentation level s, whether the hand-over was truncated at s, and the policy. */
  readonly augLevel?: number;
  readonly truncate?: boolean;
  readonly augmentation?: string | null;
}

/**
 * What `stage` sampled with, given the per-stage params of the call (from the command line), as
 * `cascade.sample` resolves them: the call's fields over the stage's `defaults`, then each
 * contract's own default (w = 1, classifier scale 1 with a classifier else 0, s = 0).
 */
export function resolvedStageParams(stage: Stage, given: StageSampleParams, registries: Registries): ResolvedStageParams {
  const merged: StageSampleParams = { ...stage.defaults, ...given };
  const sampler = merged.sampler ?? stage.defaults.sampler;
  const steps = merged.steps ?? null;
  const created = registries.samplers.get(sampler).create(stage.diffusion, {
    ...(steps === null ? {} : { steps }),
    ...(merged.eta === undefined ? {} : { eta: merged.eta }),
  });
  return {
    sampler,
    steps,
    timesteps: created.timesteps.length,
    eta: merged.eta ?? null,
    guidanceScale: merged.guidanceScale ?? 1,
    classifierScale: merged.classifierScale ?? (stage.classifier === undefined ? 0 : 1),
    ...(stage.superResolution === undefined
      ? {}
      : { augLevel: merged.augLevel ?? 0, truncate: merged.truncate ?? false, augmentation: stage.superResolution.augmentation?.name ?? null }),
  };
}

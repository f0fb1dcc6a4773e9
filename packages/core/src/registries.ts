import { augmentationPolicies, createAugmentationRegistry } from './augmentation/augmentation-registry';
import { backends, createBackendRegistry } from './backend/backend-registry';
import type { AugmentationPolicyFactory } from './contracts/augmentation-policy';
import type { Backend } from './contracts/backend';
import type { DenoiserFactory } from './contracts/denoiser';
import { createDenoiserRegistry, denoisers } from './denoiser/denoiser-registry';
import type { Registry } from './registry';
import type { SamplerFactory } from './samplers/sampler';
import { createSamplerRegistry, samplers } from './samplers/sampler-registry';
import type { NoiseScheduleFactory } from './schedules/noise-schedule';
import { createScheduleRegistry, noiseSchedules } from './schedules/schedule-registry';

/** Every kind of plugin cdm looks up by name, one registry each. */
export interface Registries {
  readonly schedules: Registry<NoiseScheduleFactory>;
  readonly samplers: Registry<SamplerFactory>;
  readonly augmentationPolicies: Registry<AugmentationPolicyFactory>;
  readonly denoisers: Registry<DenoiserFactory>;
  readonly backends: Registry<Backend>;
}

/** The default registries (the ones `noiseSchedules`, `samplers`, … name individually). */
export const defaultRegistries: Registries = Object.freeze({ schedules: noiseSchedules, samplers, augmentationPolicies, denoisers, backends });

/**
 * A fresh, independent set of registries: the built-in schedules and samplers, and no policies,
 * denoisers or backends until plugins register theirs. Apps use one per run so that nothing a
 * config's plugins register leaks into the defaults or into the next run.
 */
export function createRegistries(): Registries {
  return {
    schedules: createScheduleRegistry(),
    samplers: createSamplerRegistry(),
    augmentationPolicies: createAugmentationRegistry(),
    denoisers: createDenoiserRegistry(),
    backends: createBackendRegistry(),
  };
}

/**
 * What a plugin package exports so that a config can name it in `plugins: [...]`: one function
 * that adds its factories to the registries it is given (e.g. `registries.augmentationPolicies.use(...)`).
 */
export interface CdmPluginModule {
  register(registries: Registries): void;
}

import { augmentationPolicies } from './augmentation/augmentation-registry';
import { backends } from './backend/backend-registry';
import type { AugmentationPolicyFactory } from './contracts/augmentation-policy';
import type { Backend } from './contracts/backend';
import type { DenoiserFactory } from './contracts/denoiser';
import { denoisers } from './denoiser/denoiser-registry';
import type { Registry } from './registry';
import type { SamplerFactory } from './samplers/sampler';
import { samplers } from './samplers/sampler-registry';
import type { NoiseScheduleFactory } from './schedules/noise-schedule';
import { noiseSchedules } from './schedules/schedule-registry';

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
 * What a plugin package exports so that a config can name it in `plugins: [...]`: one function
 * that adds its factories to the registries it is given (e.g. `registries.augmentationPolicies.use(...)`).
 */
export interface CdmPluginModule {
  register(registries: Registries): void;
}

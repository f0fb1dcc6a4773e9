/**
 * @cdm/core: the contracts every cdm package shares, typed registries, and the backend-agnostic
 * diffusion math (schedules, Gaussian diffusion, losses, samplers), plus safetensors I/O.
 */
export { CdmError, errors, isCdmError, type CdmErrorCode } from './errors';
export { createRegistry, type Named, type Registry, type RegistryOptions } from './registry';
export { createRegistries, defaultRegistries, type CdmPluginModule, type Registries } from './registries';
export { checkSeed, createRng, isSeed, MAX_SEED, type Rng, type RngState } from './rng';
export { batchRng } from './batch-rng';
export { philox4x32 } from './philox';
export { checkBatchFits, MAX_BATCH_VALUES } from './limits';
export { randomNormal } from './random-normal';
export { allFinite } from './all-finite';
export { yieldToEventLoop } from './yield-to-event-loop';
export * from './contracts';
export * from './schedules';
export * from './diffusion';
export * from './losses';
export * from './timesteps';
export * from './samplers';
export * from './safetensors';
export * from './torch-checkpoint';
export * from './backend';
export * from './augmentation';
export * from './denoiser';
export * from './storage';
export * from './images';
export * from './datasets';

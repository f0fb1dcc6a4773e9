export type { Sampler, SamplerFactory, SamplerOptions, SamplerStepInput, SamplerStepOutput } from './sampler';
export { ddpmSampler } from './ddpm';
export { ddimSampler } from './ddim';
export { dpmSolverPlusPlusSampler, sdeDpmSolverPlusPlusSampler } from './dpm-solver-plus-plus';
export { denoisedEstimates, type DenoisedEstimateOptions } from './denoised-estimates';
export { createSamplerRegistry, samplers } from './sampler-registry';
export { classifierFreeGuidance } from './classifier-free-guidance';
export {
  sample,
  truncationLevels,
  type ClassifierFreeGuidanceOptions,
  type ClassifierGuidanceOptions,
  type SampleOptions,
  type SampleProgress,
  type SampleResult,
} from './sample-loop';
export { samplerProcess, checkClipDenoised } from './process-timesteps';

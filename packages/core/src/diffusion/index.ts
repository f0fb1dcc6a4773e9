export {
  GaussianDiffusion,
  LOSS_TYPES,
  type GaussianDiffusionOptions,
  type LossType,
  type MeanVariance,
  type PMeanVariance,
  type PMeanVarianceOptions,
  type TrainingLosses,
  type TrainingLossInput,
  type VbTerm,
} from './gaussian-diffusion';
export { MODEL_OUTPUT_TYPES, MODEL_VARIANCE_TYPES, type ModelOutputType, type ModelVarianceType } from './parameterization';
export { resolveTimesteps, gatherCoefficient, type Timesteps } from './timesteps';
export { stopGradient } from './stop-gradient';
export { vlbBpd, type VlbBpdOptions, type VlbBpdResult } from './vlb-bpd';

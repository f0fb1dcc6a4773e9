/**
 * `@cdm/core/testing`: conformance suites that plugin authors run in their own vitest tests, and
 * the individual checks behind them.
 */
export { describeBackendConformance, type BackendConformanceOptions } from './backend-conformance';
export {
  backendGradientChecks,
  backendOpChecks,
  checkBackendDescription,
  checkBackendSupport,
  checkGradientFunctionsRegistered,
  resizeNearestNeighborGradientCheck,
  type BackendCheck,
  type CheckSettings,
} from './backend-checks';
export { describeAugmentationConformance, type AugmentationConformanceOptions } from './augmentation-conformance';
export {
  augmentationCalls,
  checkAugmentationDeterminism,
  checkAugmentationInputUntouched,
  checkAugmentationTensorLeaks,
  checkAugmentationOutputs,
  checkAugmentationName,
  makeLowRes,
  type AugmentationCall,
  type AugmentationCheckOptions,
} from './augmentation-checks';
export { assertClose, compareToReference, readValues, type Comparison } from './compare';
export { codedError } from './coded-error';
export * as referenceOps from './reference-ops';
export type { NdArray } from './reference-ops';
export { gaussianOracle, type GaussianOracleOptions } from './gaussian-oracle';
export { describeSamplerConformance, type SamplerConformanceOptions } from './sampler-conformance';
export {
  checkSamplerCreate,
  checkSamplerDeterminism,
  checkSamplerGaussianStatistics,
  checkSamplerLastStep,
  checkSamplerSinglePoint,
  checkSamplerStepInputsUntouched,
  checkSamplerStepOutputs,
  checkSamplerStepTensorLeaks,
  checkSamplerTruncation,
  makeDataPoint,
  SAMPLER_CHECK_DATA,
  SAMPLER_CHECK_TIMESTEPS,
  type SamplerCheckSettings,
} from './sampler-checks';

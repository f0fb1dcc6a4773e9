/**
 * @cdm/unet: the ADM U-Net (Dhariwal & Nichol 2021) with the CDM super-resolution conditioning
 * (Ho et al. 2021), as a `Denoiser` whose weights interchange with guided-diffusion's.
 */
export {
  AUG_EMBED_PREFIX,
  attentionHeads,
  buildArchitecture,
  buildTrunk,
  createParameterList,
  countParameters,
  parameterSize,
  tfjsShape,
  type Layer,
  type ParameterInit,
  type ParameterList,
  type ParameterLayout,
  type ParameterSpec,
  type Trunk,
  type TrunkSettings,
  type UnetArchitecture,
} from './architecture';
export { resolveUnetConfig, type LowResUpsample, type ResolvedUnetConfig, type SuperResConfig, type UnetConfig } from './config';
export { createAdmUnet, type AdmUnet, type CreateUnetOptions } from './unet';
export {
  CONFIG_FILE,
  EMA_FILE,
  MODEL_FILE,
  UNET_DENOISER_NAME,
  loadUnet,
  loadUnetWeights,
  readUnetConfig,
  saveUnet,
  type LoadUnetOptions,
  type SaveUnetOptions,
  type UnetCheckpointConfig,
} from './checkpoint';
export { exportStateDict, importStateDict, assignParameters, checkStateDict, loadStateDict } from './state-dict';
export { fromTorchLayout, toTorchLayout } from './torch-layout';
export { UNET_PRESETS, type UnetPresetName } from './presets';
export { admUnet, registerUnet } from './factory';
export { MAX_PERIOD, embeddingMlp, timestepEmbedding } from './timestep-embedding';
export { register } from './plugin';
export {
  CLASSIFIER_POOLS,
  resolveClassifierConfig,
  type ClassifierConfig,
  type ClassifierPool,
  type ResolvedClassifierConfig,
} from './classifier-config';
export { buildClassifierArchitecture, countClassifierParameters, type ClassifierArchitecture } from './classifier-architecture';
export { attentionPool, type AttentionPoolShape } from './attention-pool';
export { createAdmClassifier, isAdmClassifier, type AdmClassifier, type Classifier, type CreateClassifierOptions } from './encoder-unet';
export {
  CLASSIFIER_MODEL_NAME,
  loadClassifier,
  readClassifierConfig,
  saveClassifier,
  type ClassifierCheckpointConfig,
  type LoadClassifierOptions,
  type SaveClassifierOptions,
} from './classifier-checkpoint';
export { CLASSIFIER_PRESETS, type ClassifierPresetName } from './classifier-presets';

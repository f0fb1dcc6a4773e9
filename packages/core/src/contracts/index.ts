export type { DenoiseFn, Denoiser, DenoiserCallOptions, DenoiserCondition, DenoiserFactory, DenoiserLoadOptions, DenoiserSaveOptions } from './denoiser';
export type {
  AugmentationContext,
  AugmentationHandover,
  AugmentationPolicy,
  AugmentationPolicyFactory,
  AugmentationResult,
  AugmentationSampleParams,
} from './augmentation-policy';
export { DEVICES, type Backend, type BackendCapabilities, type BackendSupport, type Device } from './backend';
export type { Storage, StorageReadOptions } from './storage';
export type { ImageCodec, RawImage } from './image-codec';
export type { DataBatch, Dataset, DatasetIterationOptions } from './dataset';

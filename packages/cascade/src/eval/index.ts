/** @cdm/cascade/eval: FID, KID, Inception Score, precision/recall and CAS with intervals, and pluggable feature extractors (including ones trained on your own labelled images). */
export type { ExtractedFeatures, FeatureExtractor } from './feature-extractor';
export { createSmallConvnet, resolveSmallConvnetConfig, type SmallConvnet, type SmallConvnetConfig, type SmallConvnetOutput } from './small-convnet';
export {
  SMALL_CONVNET_FORMAT,
  assignSmallConvnetWeights,
  encodeSmallConvnetWeights,
  loadSmallConvnet,
  saveSmallConvnet,
  type LoadedSmallConvnet,
  type SmallConvnetFile,
} from './small-convnet-checkpoint';
export {
  trainSmallConvnet,
  warmupCosineLr,
  type LabelledImages,
  type SmallConvnetTrainingProgress,
  type SmallConvnetTrainingResult,
  type TrainSmallConvnetOptions,
} from './train-small-convnet';
export {
  PROCEDURAL_CLASSIFIER_ASSET,
  proceduralClassifierExtractor,
  smallConvnetExtractor,
  type ClassifierExtractor,
  type ProceduralClassifierExtractorOptions,
} from './procedural-classifier-extractor';
export { renderProceduralExamples } from './procedural-examples';
export { heldOutSplit, readLabelledImages, type HeldOutSplit, type ReadLabelledImagesOptions } from './labelled-images';
export { defaultExtractorWidths, trainExtractor, type TrainExtractorOptions } from './train-extractor';
export {
  EXTRACTOR_FILE,
  EXTRACTOR_FORMAT,
  EXTRACTOR_WEIGHTS,
  loadExtractor,
  saveExtractor,
  type ExtractorFile,
  type ExtractorTrainingRecord,
  type TrainedExtractor,
} from './trained-extractor';
export { featureStatistics, type FeatureStatistics } from './feature-statistics';
export { fid, type FidResult } from './fid';
export { kid, type KidOptions, type KidResult } from './kid';
export { contrast, multisetMmd, pairedComparison, type ComparedSet, type ContrastResult, type PairedComparison, type PairedComparisonOptions } from './paired-comparison';
export { FEATURE_FILE_FORMAT, decodeFeatureFile, encodeFeatureFile, type FeatureFile } from './feature-file';
export {
  bootstrapFid,
  bootstrapInterval,
  bootstrapPrecisionRecall,
  quantile,
  type BootstrapInterval,
  type BootstrapOptions,
  type PrecisionRecallBootstrap,
} from './bootstrap';
export { Z_95, wilsonInterval } from './binomial-interval';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen';
export { inceptionScore, type InceptionScoreResult } from './inception-score';
export { precisionRecall, type PrecisionRecallOptions, type PrecisionRecallResult } from './precision-recall';
export { topKAccuracy } from './top-k-accuracy';
export { classificationAccuracyScore, type CasOptions, type CasResult } from './classification-accuracy-score';
export { extractFeatures, type ExtractFeaturesOptions, type FeatureSet } from './extract-features';
export {
  REFERENCE_STATISTICS_FORMAT,
  cachedReferenceStatistics,
  decodeReferenceStatistics,
  encodeReferenceStatistics,
  referenceStatisticsFile,
  type CachedReferenceOptions,
  type ReferenceKey,
  type ReferenceStatistics,
} from './reference-statistics';
export { fingerprint } from './fingerprint';
export { storageModelHandler } from './storage-model-handler';
export { graphModelExtractor, type GraphModelExtractorOptions, type GraphModelSource } from './graph-model-extractor';

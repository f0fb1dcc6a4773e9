export { createStage, type Stage, type StageOptions, type StageSamplerDefaults, type Upsampler } from './stage';
export { downsampleArea, resampleMatrix, upsampleImages } from './upsample';

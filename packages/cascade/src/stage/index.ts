export { createStage, type Stage, type StageOptions, type StageSampleParams, type Upsampler } from './stage';

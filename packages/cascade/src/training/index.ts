export { trainStage, type TrainStageResult } from './train-stage';
export {
  resolveTrainOptions,
  TIMESTEP_SAMPLER_NAMES,
  type HeldOutOptions,
  type TimestepSamplerName,
  type TrainingSnapshotContext,
  type TrainStageOptions,
} from './train-options';
export { assignWeights, readInitWeights, type InitWeights, type SavedTensor } from './init-weights';
export { takeHeldOutSet, type HeldOutSet } from './held-out';
export { pruneCheckpoints } from './checkpoint-retention';
export { withWeights } from './swap-weights';
export { openTrainingLog, type TrainingLogFile } from './training-log-file';
export { createAdam, type Adam, type AdamOptions, type AdamSavedState } from './adam';
export { createEma, type Ema, type EmaOptions } from './ema';
export { clipScale, globalNorm } from './clip-grad-norm';
export { learningRate, LEARNING_RATE_SCHEDULES, warmupLearningRate, type LearningRateSchedule, type LearningRateSettings } from './learning-rate';
export { dropClassLabels } from './class-dropout';
export { lowResCondition, type LowResCondition } from './low-res-condition';
export {
  TRAINING_STATE_FILE,
  TRAINING_STATE_FORMAT,
  checkCheckpointShapes,
  checkpointDirectory,
  readCheckpoint,
  readVariables,
  writeCheckpoint,
  type CheckpointTensors,
  type LoadedCheckpoint,
  type TrainingRunSettings,
  type TrainingState,
} from './checkpoint';
export { createLogAccumulator, formatLogLines, parseLogLines, type LogAccumulator, type LogAccumulatorState, type StepRecord, type TrainingLogEntry } from './training-log';
export { checkBatchImages, stageCondition, stageLosses, trainingStep, type StageLossInput, type TrainingStepContext } from './training-step';

export type { NoisyClassifier } from './noisy-classifier';
export { classifierGuidance } from './classifier-guidance';
export { trainClassifier, type TrainClassifierResult } from './train-classifier';
export { resolveTrainClassifierOptions, type ClassifierLogEntry, type TrainClassifierOptions } from './train-classifier-options';
export { evaluateClassifier, type ClassifierEvaluation, type EvaluateClassifierOptions } from './evaluate-classifier';
export {
  CLASSIFIER_STATE_FILE,
  CLASSIFIER_STATE_FORMAT,
  readClassifierCheckpoint,
  writeClassifierCheckpoint,
  type ClassifierRunSettings,
  type ClassifierTrainingState,
  type LoadedClassifierCheckpoint,
} from './classifier-checkpoint';

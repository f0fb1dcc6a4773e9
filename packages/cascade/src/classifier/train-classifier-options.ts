import { errors, type Dataset, type GaussianDiffusion, type Storage } from '@cdm/core';
import type { AdamOptions } from '../training/adam';
import type { NoisyClassifier } from './noisy-classifier';

/** One line of the classifier's training log (also what `onProgress` receives). */
export interface ClassifierLogEntry {
  /** Updates completed. */
  readonly step: number;
  readonly examplesSeen: number;
  /** Mean cross-entropy over the updates since the previous line. */
  readonly loss: number;
  /** Top-1 accuracy on the noisy training batches since the previous line. */
  readonly accuracy: number;
  readonly lr: number;
  /** Training seconds of the run so far, and updates per second over the interval. */
  readonly seconds: number;
  readonly stepsPerSecond: number;
}

export interface TrainClassifierOptions {
  /** The classifier to train: its parameters are updated in place. */
  readonly classifier: NoisyClassifier;
  /** The trained diffusion process whose x_t the classifier will see (not a respaced one). */
  readonly diffusion: GaussianDiffusion;
  /** Labelled batches at the classifier's resolution, with its number of classes. */
  readonly dataset: Dataset;
  /** Train until this many updates in total (a resumed run continues to the same target). */
  readonly steps: number;
  readonly batchSize: number;
  /** Adam's learning rate (guided-diffusion's classifier_train uses 3e-4). */
  readonly lr: number;
  readonly adam?: AdamOptions;
  /** Clip the global gradient norm to this. Default: no clipping. */
  readonly gradClip?: number;
  /**
   * Timesteps are drawn uniformly from 0…maxTimestep (default T − 1, all of them). A classifier
   * for guidance must cover every t the sampler visits; a smaller range trains a specialist.
   */
  readonly maxTimestep?: number;
  /** Save a checkpoint every this many updates (and at the end). Default 1000. */
  readonly checkpointEvery?: number;
  readonly storage: Storage;
  /** Directory of the run inside the storage. */
  readonly runDir: string;
  /** `'auto'` (default): continue from the run's checkpoint if there is one; `true`: there must be one; `false`: start afresh. */
  readonly resume?: boolean | 'auto';
  /** Seeds the data order, the timesteps and the noise. Default 0. */
  readonly seed?: number;
  /** A log line every this many updates (default 10), appended to `log.jsonl` in the run directory at each checkpoint. */
  readonly logEvery?: number;
  readonly onProgress?: (entry: ClassifierLogEntry) => void;
  /** Stops between updates with CDM_ABORTED, after saving a checkpoint unless `saveOnAbort` is false. */
  readonly signal?: AbortSignal;
  /** Default true. */
  readonly saveOnAbort?: boolean;
}

export type ResolvedTrainClassifierOptions = Required<Omit<TrainClassifierOptions, 'gradClip' | 'onProgress' | 'signal' | 'adam'>> & {
  readonly gradClip: number | undefined;
  readonly onProgress: ((entry: ClassifierLogEntry) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly adam: AdamOptions;
};

const isInteger = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Validates `trainClassifier`'s options with errors that name the option, and fills in the defaults. */
export function resolveTrainClassifierOptions(options: TrainClassifierOptions): ResolvedTrainClassifierOptions {
  const { classifier, diffusion, dataset, steps, batchSize, lr, gradClip, checkpointEvery = 1000, storage, runDir } = options;
  const { resume = 'auto', seed = 0, logEvery = 10, saveOnAbort = true, adam = {} } = options;
  if (!isInteger(steps, 1)) throw errors.invalidArgument('steps', 'a positive integer', steps);
  if (!isInteger(batchSize, 1)) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (!isNumber(lr) || lr <= 0) throw errors.invalidArgument('lr', 'a finite number > 0', lr);
  if (gradClip !== undefined && (!isNumber(gradClip) || gradClip <= 0)) throw errors.invalidArgument('gradClip', 'a finite number > 0', gradClip);
  const map = diffusion.schedule.timestepMap;
  if (!map.every((value, i) => value === i)) {
    throw errors.invalidArgument('diffusion', 'the trained process, not a respaced one (the classifier must see the timesteps the sampler passes)', `${map.length} timesteps`);
  }
  const T = diffusion.numTimesteps;
  const maxTimestep = options.maxTimestep ?? T - 1;
  if (!isInteger(maxTimestep, 0) || maxTimestep > T - 1) throw errors.invalidArgument('maxTimestep', `an integer in 0…${T - 1}`, maxTimestep);
  if (!isInteger(checkpointEvery, 1)) throw errors.invalidArgument('checkpointEvery', 'a positive integer (updates)', checkpointEvery);
  if (!isInteger(logEvery, 1)) throw errors.invalidArgument('logEvery', 'a positive integer (updates)', logEvery);
  if (typeof runDir !== 'string') throw errors.invalidArgument('runDir', 'a path in the storage', runDir);
  if (resume !== true && resume !== false && resume !== 'auto') throw errors.invalidArgument('resume', "true, false or 'auto'", resume);
  if (!isNumber(seed)) throw errors.invalidArgument('seed', 'a finite number', seed);
  if (dataset.numClasses === undefined) throw errors.invalidArgument('dataset.numClasses', `${classifier.numClasses} (a labelled dataset)`, undefined);
  if (dataset.numClasses !== classifier.numClasses) {
    throw errors.invalidArgument('dataset.numClasses', `${classifier.numClasses} (the classifier's classes)`, dataset.numClasses);
  }
  if (dataset.resolution !== classifier.imageSize) {
    throw errors.invalidArgument('dataset.resolution', `${classifier.imageSize} (the classifier's image size)`, dataset.resolution);
  }
  if (dataset.channels !== classifier.channels) throw errors.invalidArgument('dataset.channels', `${classifier.channels} (the classifier's channels)`, dataset.channels);
  if (classifier.parameters().size === 0) throw errors.invalidArgument('classifier', 'a classifier with trainable parameters', 'none');
  return {
    classifier,
    diffusion,
    dataset,
    steps,
    batchSize,
    lr,
    adam,
    gradClip,
    maxTimestep,
    checkpointEvery,
    storage,
    runDir,
    resume,
    seed,
    logEvery,
    saveOnAbort,
    onProgress: options.onProgress,
    signal: options.signal,
  };
}

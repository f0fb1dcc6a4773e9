import type { Dataset, LossType, Storage } from '@cdm/core';
import { errors } from '@cdm/core';
import type { Stage } from '../stage/stage';
import type { AdamOptions } from './adam';
import type { TrainingLogEntry } from './training-log';

/** How training timesteps are drawn: uniformly, or by improved DDPM's importance sampling. */
export type TimestepSamplerName = 'uniform' | 'loss-second-moment';
export const TIMESTEP_SAMPLER_NAMES: readonly TimestepSamplerName[] = ['uniform', 'loss-second-moment'];

export interface TrainStageOptions {
  /** The stage to train: its denoiser's parameters are updated in place. */
  readonly stage: Stage;
  /** Batches at the stage's resolution (super-resolution stages make their low-res input from them). */
  readonly dataset: Dataset;
  /** Train until this many updates in total (a resumed run continues to the same target). */
  readonly steps: number;
  /** Examples per update. */
  readonly batchSize: number;
  /** Split each update's batch into this many micro-batches (gradients averaged, one update). Default 1. */
  readonly gradAccumulation?: number;
  /** Adam's learning rate after warmup. */
  readonly lr: number;
  /** Updates of linear learning-rate warmup. Default 0. */
  readonly warmup?: number;
  /** EMA decay. Default 0.9999. */
  readonly ema?: number;
  /** EMA decay warm-up min(decay, (1 + n)/(10 + n)). Default true. */
  readonly emaWarmup?: boolean;
  readonly adam?: AdamOptions;
  /** Clip the global gradient norm to this. Default: no clipping. */
  readonly gradClip?: number;
  /** Must equal the stage's diffusion loss, which decides it; given only to be checked. */
  readonly loss?: LossType;
  /** Default 'uniform'. */
  readonly timestepSampler?: TimestepSamplerName;
  /** Probability of replacing a label with the stage's null class (classifier-free guidance). Default 0. */
  readonly classDropout?: number;
  /** Save a checkpoint every this many updates (and at the end). Default 1000. */
  readonly checkpointEvery?: number;
  /** Where checkpoints and the log go. */
  readonly storage: Storage;
  /** Directory of the run inside the storage. */
  readonly runDir: string;
  /**
   * `'auto'` (default): continue from the run's checkpoint if there is one. `true`: there must be
   * one. `false`: start afresh; a run directory that already holds a run is an error.
   */
  readonly resume?: boolean | 'auto';
  /** Seeds the data order and every random draw of training. Default 0. */
  readonly seed?: number;
  /** Called with each log line. */
  readonly onProgress?: (entry: TrainingLogEntry) => void;
  /** Stops between updates with CDM_ABORTED, saving a checkpoint first unless `saveOnAbort` is false. */
  readonly signal?: AbortSignal;
  /** Default true. */
  readonly saveOnAbort?: boolean;
  /** Log lines: one every `every` updates (default 10); `file` relative to the run (default 'log.jsonl'), false for none. */
  readonly log?: { readonly every?: number; readonly file?: string | false };
}

export type ResolvedTrainOptions = Required<Omit<TrainStageOptions, 'gradClip' | 'onProgress' | 'signal' | 'log' | 'adam' | 'loss'>> & {
  readonly gradClip: number | undefined;
  readonly onProgress: ((entry: TrainingLogEntry) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly adam: AdamOptions;
  readonly loss: LossType;
  readonly logEvery: number;
  readonly logFile: string | undefined;
};

const isInteger = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Validates the options with errors that name the option, and fills in the defaults. */
export function resolveTrainOptions(options: TrainStageOptions): ResolvedTrainOptions {
  const { stage, dataset, steps, batchSize, gradAccumulation = 1, lr, warmup = 0, ema = 0.9999, emaWarmup = true } = options;
  const { gradClip, timestepSampler = 'uniform', classDropout = 0, checkpointEvery = 1000, storage, runDir } = options;
  const { resume = 'auto', seed = 0, saveOnAbort = true, adam = {} } = options;
  if (!isInteger(steps, 1)) throw errors.invalidArgument('steps', 'a positive integer', steps);
  if (!isInteger(batchSize, 1)) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (!isInteger(gradAccumulation, 1) || batchSize % gradAccumulation !== 0) {
    throw errors.invalidArgument('gradAccumulation', `a positive integer that divides batchSize (${batchSize})`, gradAccumulation);
  }
  if (!isNumber(lr) || lr <= 0) throw errors.invalidArgument('lr', 'a finite number > 0', lr);
  if (!isInteger(warmup, 0)) throw errors.invalidArgument('warmup', 'a non-negative integer (updates)', warmup);
  if (!isNumber(ema) || ema < 0 || ema > 1) throw errors.invalidArgument('ema', 'a decay in [0, 1]', ema);
  if (typeof emaWarmup !== 'boolean') throw errors.invalidArgument('emaWarmup', 'a boolean', emaWarmup);
  if (gradClip !== undefined && (!isNumber(gradClip) || gradClip <= 0)) throw errors.invalidArgument('gradClip', 'a finite number > 0', gradClip);
  const loss = options.loss ?? stage.diffusion.loss;
  if (loss !== stage.diffusion.loss) {
    throw errors.invalidArgument('loss', `'${stage.diffusion.loss}' (the stage's diffusion decides the loss)`, loss);
  }
  if (!TIMESTEP_SAMPLER_NAMES.includes(timestepSampler)) {
    throw errors.invalidArgument('timestepSampler', TIMESTEP_SAMPLER_NAMES.map((n) => `'${n}'`).join(' or '), timestepSampler);
  }
  if (!isNumber(classDropout) || classDropout < 0 || classDropout > 1) throw errors.invalidArgument('classDropout', 'a probability in [0, 1]', classDropout);
  if (classDropout > 0 && (stage.nullClass === undefined || stage.numClasses === undefined)) {
    throw errors.invalidArgument('classDropout', `0 for stage "${stage.name}", which has no nullClass (set numClasses and nullClass to train with guidance)`, classDropout);
  }
  if (!isInteger(checkpointEvery, 1)) throw errors.invalidArgument('checkpointEvery', 'a positive integer (updates)', checkpointEvery);
  if (typeof runDir !== 'string') throw errors.invalidArgument('runDir', 'a path in the storage', runDir);
  if (resume !== true && resume !== false && resume !== 'auto') throw errors.invalidArgument('resume', "true, false or 'auto'", resume);
  if (!isNumber(seed)) throw errors.invalidArgument('seed', 'a finite number', seed);
  const logEvery = options.log?.every ?? 10;
  if (!isInteger(logEvery, 1)) throw errors.invalidArgument('log.every', 'a positive integer (updates)', logEvery);
  const file = options.log?.file ?? 'log.jsonl';
  if (file !== false && (typeof file !== 'string' || file === '')) throw errors.invalidArgument('log.file', 'a file name or false', file);

  if (dataset.resolution !== stage.resolution) {
    throw errors.invalidArgument('dataset.resolution', `${stage.resolution} (the resolution of stage "${stage.name}")`, dataset.resolution);
  }
  if (dataset.channels !== stage.channels) throw errors.invalidArgument('dataset.channels', `${stage.channels} (the stage's channels)`, dataset.channels);
  if (stage.numClasses !== undefined && dataset.numClasses !== stage.numClasses) {
    throw errors.invalidArgument('dataset.numClasses', `${stage.numClasses} (the classes of stage "${stage.name}")`, dataset.numClasses);
  }
  if (stage.superResolution !== undefined && stage.resolution % stage.superResolution.lowResolution !== 0) {
    throw errors.invalidArgument(
      `${stage.name}: lowResolution`,
      `a divisor of the resolution ${stage.resolution} (area downsampling needs an integer factor)`,
      stage.superResolution.lowResolution,
    );
  }
  const map = stage.diffusion.schedule.timestepMap;
  if (!map.every((value, i) => value === i)) {
    throw errors.invalidArgument(`${stage.name}: diffusion`, 'the trained process, not a respaced one', `${map.length} of its timesteps`);
  }
  return {
    stage,
    dataset,
    steps,
    batchSize,
    gradAccumulation,
    lr,
    warmup,
    ema,
    emaWarmup,
    adam,
    gradClip,
    loss,
    timestepSampler,
    classDropout,
    checkpointEvery,
    storage,
    runDir,
    resume,
    seed,
    saveOnAbort,
    onProgress: options.onProgress,
    signal: options.signal,
    logEvery,
    logFile: file === false ? undefined : file,
  };
}

import type { Dataset, LossType, Storage } from '@cdm/core';
import { checkBatchFits, checkSeed, errors } from '@cdm/core';
import { mixSeeds } from '../datasets/mix-seeds';
import type { Stage } from '../stage/stage';
import type { AdamOptions } from './adam';
import type { InitWeights } from './init-weights';
import { LEARNING_RATE_SCHEDULES, type LearningRateSchedule, type LearningRateSettings } from './learning-rate';
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
  /** After warmup: `'constant'` (default) or `'cosine'` decay from `lr` to `minLr` at update `lrDecaySteps`. */
  readonly lrSchedule?: LearningRateSchedule;
  /** Cosine schedule: the learning rate at the end of the decay. Default 0. */
  readonly minLr?: number;
  /** Cosine schedule: the update at which the rate reaches `minLr`. Default `steps` (the run's total). */
  readonly lrDecaySteps?: number;
  /** EMA decay. Default 0.9999. */
  readonly ema?: number;
  /** EMA decay warm-up min(decay, (1 + n)/(10 + n)). Default true. */
  readonly emaWarmup?: boolean;
  readonly adam?: AdamOptions;
  /** Clip the global gradient norm to this. Default: no clipping. */
  readonly gradClip?: number;
  /**
   * Ask the denoiser for gradient checkpointing in its training forward (the call option
   * `gradientCheckpointing`): one that supports it (the ADM U-Net) keeps only each block's input
   * and recomputes the block in the backward pass — the same gradients to float rounding, about one
   * more forward pass per step, and much less memory, so larger batches fit. Others ignore it. The
   * held-out evaluation is no training forward and does not use it. Not a run setting: a resumed
   * run may turn it on or off. Default false.
   */
  readonly gradientCheckpointing?: boolean;
  /** Must equal the stage's diffusion loss, which decides it; given only to be checked. */
  readonly loss?: LossType;
  /** Default 'uniform'. */
  readonly timestepSampler?: TimestepSamplerName;
  /** Probability of replacing a label with the stage's null class (classifier-free guidance). Default 0. */
  readonly classDropout?: number;
  /** Also save a checkpoint every this many updates. Default: none (time-based saves only). */
  readonly checkpointEvery?: number;
  /**
   * Save a checkpoint when this many minutes of wall time passed since the last save (or the start
   * of the session); `false` for none. Default 10. Checkpoints are also saved at the end and on abort.
   */
  readonly checkpointMinutes?: number | false;
  /**
   * Keep only the newest `keepLast` checkpoint directories (the one `state.json` names among them),
   * deleting older ones with `storage.remove`; a storage without `remove`/`listDirectory` keeps all.
   * `false` keeps all. Default 3.
   */
  readonly keepLast?: number | false;
  /**
   * A fresh run starts from these weights instead of the denoiser's own initialisation (fine-tuning);
   * ignored when the run resumes. A string is a storage path to a `.safetensors` file in tfjs layout
   * (a training checkpoint's `model` or `ema` file); `{ source, load }` hands over weights read any
   * other way (e.g. by a denoiser factory). Names and shapes must match the denoiser's parameters.
   */
  readonly init?: string | InitWeights;
  /**
   * Held-out loss: a fixed set of `examples` examples, each with a fixed timestep (stratified over
   * [0, T)), fixed noise and fixed augmentation draws, evaluated with the EMA weights every `every`
   * updates and at the end, and logged as `heldOutLoss` (and `heldOutLossRaw` for the trained weights
   * when `raw`). Taken from `dataset`, or when absent from the training dataset's stream under a
   * separate seed (then the examples are not disjoint from the training data). Evaluated in
   * micro-batches of batchSize / gradAccumulation; training's random streams are not touched.
   */
  readonly heldOut?: HeldOutOptions;
  /**
   * Called every `every` updates and at the end, with the denoiser holding the EMA weights for the
   * duration of the call (e.g. to sample a grid); the trained weights are put back exactly after.
   */
  readonly snapshot?: { readonly every: number; readonly run: (context: TrainingSnapshotContext) => Promise<void> };
  /** The clock, in milliseconds (for tests). Default `performance.now`. */
  readonly now?: () => number;
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

export interface HeldOutOptions {
  /** Where the examples come from. Default: the training dataset, under `seed`. */
  readonly dataset?: Dataset;
  /** How many examples the fixed set holds. */
  readonly examples: number;
  /** Evaluate every this many updates (and at the end). */
  readonly every: number;
  /** Seeds the choice of examples (from the training dataset), the timesteps, noise and augmentation. Default: derived from `seed`. */
  readonly seed?: number;
  /** Also evaluate the trained (non-averaged) weights, logged as `heldOutLossRaw`. Default false. */
  readonly raw?: boolean;
}

/** What a snapshot hook gets. The stage's denoiser holds the EMA weights during the call; leave them as they are. */
export interface TrainingSnapshotContext {
  /** Updates completed. */
  readonly step: number;
  readonly stage: Stage;
  readonly signal: AbortSignal | undefined;
}

export type ResolvedTrainOptions = Required<
  Omit<TrainStageOptions, 'gradClip' | 'onProgress' | 'signal' | 'log' | 'adam' | 'loss' | 'checkpointEvery' | 'init' | 'heldOut' | 'snapshot' | 'lrSchedule' | 'minLr' | 'lrDecaySteps'>
> & {
  readonly learningRate: LearningRateSettings;
  readonly checkpointEvery: number | undefined;
  readonly init: string | InitWeights | undefined;
  readonly heldOut: (HeldOutOptions & { readonly seed: number; readonly raw: boolean }) | undefined;
  readonly snapshot: TrainStageOptions['snapshot'];
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
  const { gradClip, gradientCheckpointing = false, timestepSampler = 'uniform', classDropout = 0, checkpointEvery, checkpointMinutes = 10, keepLast = 3, storage, runDir } = options;
  const { resume = 'auto', seed = 0, saveOnAbort = true, adam = {}, init, heldOut, snapshot, now = () => performance.now() } = options;
  if (!isInteger(steps, 1)) throw errors.invalidArgument('steps', 'a positive integer', steps);
  if (!isInteger(batchSize, 1)) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (!isInteger(gradAccumulation, 1) || batchSize % gradAccumulation !== 0) {
    throw errors.invalidArgument('gradAccumulation', `a positive integer that divides batchSize (${batchSize})`, gradAccumulation);
  }
  if (!isNumber(lr) || lr <= 0) throw errors.invalidArgument('lr', 'a finite number > 0', lr);
  if (!isInteger(warmup, 0)) throw errors.invalidArgument('warmup', 'a non-negative integer (updates)', warmup);
  const learningRate = resolveLearningRate(options, lr, warmup, steps);
  if (!isNumber(ema) || ema < 0 || ema > 1) throw errors.invalidArgument('ema', 'a decay in [0, 1]', ema);
  if (typeof emaWarmup !== 'boolean') throw errors.invalidArgument('emaWarmup', 'a boolean', emaWarmup);
  if (gradClip !== undefined && (!isNumber(gradClip) || gradClip <= 0)) throw errors.invalidArgument('gradClip', 'a finite number > 0', gradClip);
  if (typeof gradientCheckpointing !== 'boolean') throw errors.invalidArgument('gradientCheckpointing', 'a boolean', gradientCheckpointing);
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
  if (checkpointEvery !== undefined && !isInteger(checkpointEvery, 1)) throw errors.invalidArgument('checkpointEvery', 'a positive integer (updates)', checkpointEvery);
  if (checkpointMinutes !== false && (!isNumber(checkpointMinutes) || checkpointMinutes <= 0)) {
    throw errors.invalidArgument('checkpointMinutes', 'a number of minutes > 0, or false', checkpointMinutes);
  }
  if (keepLast !== false && !isInteger(keepLast, 1)) throw errors.invalidArgument('keepLast', 'a positive integer, or false to keep every checkpoint', keepLast);
  if (init !== undefined && typeof init !== 'string' && (typeof init !== 'object' || init === null || typeof init.load !== 'function')) {
    throw errors.invalidArgument('init', 'a .safetensors path or { source, load }', init);
  }
  if (typeof now !== 'function') throw errors.invalidArgument('now', 'a function returning milliseconds', now);
  if (snapshot !== undefined) {
    if (!isInteger(snapshot.every, 1)) throw errors.invalidArgument('snapshot.every', 'a positive integer (updates)', snapshot.every);
    if (typeof snapshot.run !== 'function') throw errors.invalidArgument('snapshot.run', 'a function', snapshot.run);
  }
  if (typeof runDir !== 'string') throw errors.invalidArgument('runDir', 'a path in the storage', runDir);
  if (resume !== true && resume !== false && resume !== 'auto') throw errors.invalidArgument('resume', "true, false or 'auto'", resume);
  checkSeed('seed', seed);
  const logEvery = options.log?.every ?? 10;
  if (!isInteger(logEvery, 1)) throw errors.invalidArgument('log.every', 'a positive integer (updates)', logEvery);
  const file = options.log?.file ?? 'log.jsonl';
  if (file !== false && (typeof file !== 'string' || file === '')) throw errors.invalidArgument('log.file', 'a file name or false', file);

  checkDataset(dataset, stage, 'dataset');
  checkBatchFits(gradAccumulation === 1 ? 'batchSize' : 'batchSize / gradAccumulation', batchSize / gradAccumulation, stage.resolution, stage.channels);
  if (stage.superResolution !== undefined && stage.resolution % stage.superResolution.lowResolution !== 0) {
    throw errors.invalidArgument(
      `${stage.name}: lowResolution`,
      `a divisor of the resolution ${stage.resolution} (area downsampling needs an integer factor)`,
      stage.superResolution.lowResolution,
    );
  }
  const resolvedHeldOut = heldOut === undefined ? undefined : resolveHeldOut(heldOut, stage, seed);
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
    learningRate,
    ema,
    emaWarmup,
    adam,
    gradClip,
    gradientCheckpointing,
    loss,
    timestepSampler,
    classDropout,
    checkpointEvery,
    checkpointMinutes,
    keepLast,
    init,
    heldOut: resolvedHeldOut,
    snapshot,
    now,
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

function resolveLearningRate(options: TrainStageOptions, lr: number, warmup: number, steps: number): LearningRateSettings {
  const { lrSchedule: schedule = 'constant', minLr = 0, lrDecaySteps: decaySteps = steps } = options;
  if (!LEARNING_RATE_SCHEDULES.includes(schedule)) throw errors.invalidArgument('lrSchedule', LEARNING_RATE_SCHEDULES.map((n) => `'${n}'`).join(' or '), schedule);
  if (schedule === 'constant') {
    if (options.minLr !== undefined || options.lrDecaySteps !== undefined) {
      throw errors.invalidArgument('lrSchedule', "'cosine' (minLr and lrDecaySteps apply to the cosine schedule only)", schedule);
    }
    return { lr, warmup, schedule, minLr: lr, decaySteps: steps };
  }
  if (!isNumber(minLr) || minLr < 0 || minLr > lr) throw errors.invalidArgument('minLr', `a number from 0 to lr (${lr})`, minLr);
  if (!isInteger(decaySteps, warmup + 1)) throw errors.invalidArgument('lrDecaySteps', `an integer above warmup (${warmup})`, decaySteps);
  return { lr, warmup, schedule, minLr, decaySteps };
}

/** Salt that separates the held-out seed from the training seed. */
const HELD_OUT_SEED_SALT = 0x68656c64; // "held"

function resolveHeldOut(heldOut: HeldOutOptions, stage: Stage, seed: number): NonNullable<ResolvedTrainOptions['heldOut']> {
  if (typeof heldOut !== 'object' || heldOut === null) throw errors.invalidArgument('heldOut', '{ examples, every, dataset?, seed?, raw? }', heldOut);
  const { dataset, examples, every, raw = false } = heldOut;
  if (!isInteger(examples, 1)) throw errors.invalidArgument('heldOut.examples', 'a positive integer', examples);
  if (!isInteger(every, 1)) throw errors.invalidArgument('heldOut.every', 'a positive integer (updates)', every);
  if (heldOut.seed !== undefined) checkSeed('heldOut.seed', heldOut.seed);
  checkBatchFits('heldOut.examples', examples, stage.resolution, stage.channels);
  if (typeof raw !== 'boolean') throw errors.invalidArgument('heldOut.raw', 'a boolean', raw);
  if (dataset !== undefined) checkDataset(dataset, stage, 'heldOut.dataset');
  return { ...heldOut, examples, every, raw, seed: heldOut.seed ?? mixSeeds(seed, HELD_OUT_SEED_SALT) };
}

/** A dataset must have the stage's resolution, channels and (for a class-conditional stage) classes. */
function checkDataset(dataset: Dataset, stage: Stage, name: string): void {
  if (dataset.resolution !== stage.resolution) {
    throw errors.invalidArgument(`${name}.resolution`, `${stage.resolution} (the resolution of stage "${stage.name}")`, dataset.resolution);
  }
  if (dataset.channels !== stage.channels) throw errors.invalidArgument(`${name}.channels`, `${stage.channels} (the stage's channels)`, dataset.channels);
  if (stage.numClasses !== undefined && dataset.numClasses !== stage.numClasses) {
    throw errors.invalidArgument(`${name}.numClasses`, `${stage.numClasses} (the classes of stage "${stage.name}")`, dataset.numClasses);
  }
}

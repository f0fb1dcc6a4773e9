import * as tf from '@tensorflow/tfjs-core';
import {
  createRng,
  errors,
  joinPath,
  lossSecondMomentTimesteps,
  uniformTimesteps,
  yieldToEventLoop,
  type DataBatch,
  type TimestepSampler,
} from '@cdm/core';
import { createAdam } from './adam';
import {
  TRAINING_STATE_FILE,
  checkpointDirectory,
  findNonFinite,
  readCheckpoint,
  readVariables,
  writeCheckpoint,
  type TrainingRunSettings,
  type TrainingState,
} from './checkpoint';
import { createEma } from './ema';
import { warmupLearningRate } from './learning-rate';
import { resolveTrainOptions, type TrainStageOptions } from './train-options';
import { createLogAccumulator, formatLogLines, parseLogLines, type TrainingLogEntry } from './training-log';
import { trainingStep } from './training-step';

/** What `trainStage` reports when it reaches `steps`. */
export interface TrainStageResult {
  readonly stage: string;
  /** Updates completed in total (= `steps`). */
  readonly step: number;
  /** The step this session started from (0, or the checkpoint it resumed). */
  readonly startStep: number;
  readonly examplesSeen: number;
  /** The weighted objective of every update of this session, in order. */
  readonly losses: readonly number[];
  /** Every log line of the run, earlier sessions included. */
  readonly log: readonly TrainingLogEntry[];
  /** Wall-clock seconds of this session, and its updates per second. */
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /** Training seconds summed over every session of the run. */
  readonly trainingSeconds: number;
  /** Directory (in the storage) of the last checkpoint: model, ema and optimizer safetensors. */
  readonly checkpoint: string;
  /** Checkpoint directories written by this session. */
  readonly checkpoints: readonly string[];
  /** The run's `state.json`, which names the current checkpoint. */
  readonly statePath: string;
  /** The JSON-lines log, when one is written. */
  readonly logPath: string | undefined;
}

/**
 * Trains one stage of a cascade (the CDM paper trains each stage on its own) with Adam, an EMA of
 * the weights, warmup, gradient clipping and accumulation, class dropout for classifier-free
 * guidance, and conditioning augmentation for super-resolution stages. Checkpoints hold everything
 * a resumed run needs to continue bit for bit: weights, EMA, Adam's moments and update count, the
 * random generator, the timestep sampler and the data position.
 *
 * Throws CDM_TRAINING_DIVERGED on a NaN/Inf loss or gradient (nothing from that step is saved),
 * and CDM_ABORTED when `signal` fires (after saving a checkpoint, unless `saveOnAbort` is false).
 */
export async function trainStage(options: TrainStageOptions): Promise<TrainStageResult> {
  const o = resolveTrainOptions(options);
  const { stage, storage, runDir } = o;
  const parameters = stage.denoiser.parameters();
  const statePath = joinPath(runDir, TRAINING_STATE_FILE);
  const logPath = o.logFile === undefined ? undefined : joinPath(runDir, o.logFile);
  const settings: TrainingRunSettings = {
    seed: o.seed,
    batchSize: o.batchSize,
    gradAccumulation: o.gradAccumulation,
    classDropout: o.classDropout,
    timestepSampler: o.timestepSampler,
    loss: o.loss,
  };

  const existing = o.resume === false ? undefined : await readCheckpoint(storage, runDir);
  if (o.resume === false && (await storage.exists(statePath))) {
    throw errors.invalidArgument('resume', `true or 'auto': ${statePath} already holds a run (or choose another runDir)`, false);
  }
  if (o.resume === true && existing === undefined) {
    throw errors.invalidArgument('resume', `false or 'auto': there is no checkpoint to resume (${statePath} does not exist)`, true);
  }

  const T = stage.diffusion.numTimesteps;
  const timestepSampler: TimestepSampler = o.timestepSampler === 'uniform' ? uniformTimesteps(T) : lossSecondMomentTimesteps(T);
  const adam = createAdam(parameters, o.adam);
  const ema = createEma(parameters, { decay: o.ema, warmup: o.emaWarmup });
  let iterator: AsyncIterator<DataBatch> | undefined;
  try {
    let rng = createRng(o.seed);
    let step = 0;
    let examplesSeen = 0;
    let secondsBefore = 0;
    let lastCheckpoint: string | undefined;
    const log: TrainingLogEntry[] = [];
    if (existing !== undefined) {
      const { state } = existing;
      for (const key of Object.keys(settings) as (keyof TrainingRunSettings)[]) {
        if (state.settings[key] !== settings[key]) {
          throw errors.invalidArgument(key, `${JSON.stringify(state.settings[key])}, as in the run being resumed (${statePath})`, settings[key]);
        }
      }
      loadModel(parameters, existing.model, joinPath(runDir, state.files.model));
      adam.load({ updates: state.optimizer.updates, firstMoment: existing.firstMoment, secondMoment: existing.secondMoment });
      ema.load(state.ema.updates, existing.ema);
      timestepSampler.loadState(state.timestepSampler);
      rng = createRng(state.rng);
      step = state.step;
      examplesSeen = state.examplesSeen;
      secondsBefore = state.trainingSeconds;
      lastCheckpoint = joinPath(runDir, checkpointDirectory(step));
      if (logPath !== undefined && (await storage.exists(logPath))) {
        log.push(...parseLogLines(new TextDecoder().decode(await storage.read(logPath)), step));
      }
    }
    const startStep = step;
    const started = performance.now();
    const sessionSeconds = () => (performance.now() - started) / 1000;
    const losses: number[] = [];
    const checkpoints: string[] = [];
    const accumulator = createLogAccumulator(T);
    let intervalStart = performance.now();

    const flushLog = () => {
      const now = performance.now();
      const entry = accumulator.flush({ step, examplesSeen, seconds: secondsBefore + sessionSeconds(), elapsedSeconds: (now - intervalStart) / 1000 });
      intervalStart = now;
      log.push(entry);
      o.onProgress?.(entry);
    };
    const save = async () => {
      const tensors = {
        model: await readVariables(parameters),
        ema: await readVariables(ema.weights),
        firstMoment: await readVariables(adam.firstMoment),
        secondMoment: await readVariables(adam.secondMoment),
      };
      const bad = findNonFinite(tensors);
      if (bad !== undefined) throw errors.trainingDiverged(stage.name, step, `the ${bad} tensor`, lastCheckpoint);
      // The log first: a crash before state.json leaves lines past the checkpoint, which a resume drops.
      if (logPath !== undefined) await storage.write(logPath, new TextEncoder().encode(formatLogLines(log)));
      const state: Omit<TrainingState, 'files' | 'format' | 'version'> = {
        stage: stage.name,
        step,
        examplesSeen,
        trainingSeconds: secondsBefore + sessionSeconds(),
        rng: rng.state(),
        timestepSampler: timestepSampler.state(),
        optimizer: { name: 'adam', beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon, updates: adam.updates },
        ema: { decay: ema.decay, warmup: ema.warmup, updates: ema.updates },
        settings,
      };
      await writeCheckpoint(storage, runDir, state, tensors);
      lastCheckpoint = joinPath(runDir, checkpointDirectory(step));
      checkpoints.push(lastCheckpoint);
    };

    const microBatchSize = o.batchSize / o.gradAccumulation;
    iterator = o.dataset.batches({ batchSize: microBatchSize, seed: o.seed, start: examplesSeen })[Symbol.asyncIterator]();
    const source = iterator;
    const nextBatch = async () => {
      const next = await source.next();
      if (next.done === true) throw errors.invalidArgument('dataset', 'an endless stream of batches', `a stream that ended after ${examplesSeen} examples`);
      return next.value;
    };

    while (step < o.steps) {
      if (o.signal?.aborted === true) {
        if (accumulator.pending > 0) flushLog();
        if (o.saveOnAbort && lastCheckpoint !== joinPath(runDir, checkpointDirectory(step))) await save();
        throw errors.aborted(`Training ${stage.name} at step ${step} (last checkpoint: ${lastCheckpoint ?? 'none'})`);
      }
      const lr = warmupLearningRate(o.lr, o.warmup, step);
      const record = await trainingStep(
        {
          stage,
          adam,
          ema,
          timestepSampler,
          rng,
          classDropout: o.classDropout,
          gradClip: o.gradClip,
          gradAccumulation: o.gradAccumulation,
          nextBatch,
          diverged: (what) => {
            throw errors.trainingDiverged(stage.name, step + 1, what, lastCheckpoint);
          },
        },
        lr,
      );
      step++;
      examplesSeen += o.batchSize;
      losses.push(record.loss);
      accumulator.add(record);
      if (step % o.logEvery === 0 || step === o.steps) flushLog();
      if (step % o.checkpointEvery === 0 || step === o.steps) await save();
      await yieldToEventLoop();
    }
    if (lastCheckpoint === undefined) await save(); // resumed at or past `steps`: nothing new, but say where it is
    const seconds = sessionSeconds();
    return {
      stage: stage.name,
      step,
      startStep,
      examplesSeen,
      losses,
      log,
      seconds,
      stepsPerSecond: seconds > 0 ? (step - startStep) / seconds : 0,
      trainingSeconds: secondsBefore + seconds,
      checkpoint: lastCheckpoint!,
      checkpoints,
      statePath,
      logPath,
    };
  } finally {
    await iterator?.return?.();
    adam.dispose();
    ema.dispose();
  }
}

/** Assigns saved weights to the denoiser's parameters after checking names and sizes. */
function loadModel(parameters: ReadonlyMap<string, tf.Variable>, saved: ReadonlyMap<string, Float32Array>, source: string): void {
  const problems: string[] = [];
  for (const [name, variable] of parameters) {
    const values = saved.get(name);
    if (values === undefined) problems.push(`${name}: missing`);
    else if (values.length !== variable.size) problems.push(`${name}: ${values.length} values, expected ${variable.size} (shape [${variable.shape.join(', ')}])`);
  }
  for (const name of saved.keys()) if (!parameters.has(name)) problems.push(`${name}: not a parameter of the denoiser`);
  if (problems.length > 0) throw errors.checkpointMismatch(source, problems);
  tf.tidy(() => {
    for (const [name, variable] of parameters) variable.assign(tf.tensor(saved.get(name)!, variable.shape, 'float32'));
  });
}

import type * as tf from '@tensorflow/tfjs-core';
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
  checkCheckpointShapes,
  checkpointDirectory,
  findNonFinite,
  readCheckpoint,
  readVariables,
  writeCheckpoint,
  type TrainingRunSettings,
  type TrainingState,
} from './checkpoint';
import { pruneCheckpoints } from './checkpoint-retention';
import { createEma } from './ema';
import { takeHeldOutSet, type HeldOutSet } from './held-out';
import { assignWeights, readInitWeights } from './init-weights';
import { learningRate } from './learning-rate';
import { withWeights } from './swap-weights';
import { resolveTrainOptions, type TrainStageOptions } from './train-options';
import { createLogAccumulator, parseLogLines, type TrainingLogEntry } from './training-log';
import { openTrainingLog, type TrainingLogFile } from './training-log-file';
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
  /** The held-out losses of the run (EMA weights; `raw`: the trained weights, when asked for), earlier sessions included. */
  readonly heldOut: readonly { readonly step: number; readonly loss: number; readonly raw?: number }[];
  /** Wall-clock seconds of this session, and its updates per second. */
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /** Training seconds summed over every session of the run. */
  readonly trainingSeconds: number;
  /** Directory (in the storage) of the last checkpoint: model, ema and optimizer safetensors. */
  readonly checkpoint: string;
  /** Checkpoint directories written by this session (some may since have been deleted by `keepLast`). */
  readonly checkpoints: readonly string[];
  /** Checkpoint directories this session deleted (`keepLast`). */
  readonly removedCheckpoints: readonly string[];
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
 * Checkpoints are saved by wall time (`checkpointMinutes`), optionally by step (`checkpointEvery`),
 * at the end and on abort; what is saved does not depend on when or why, so a resume is exact from
 * any of them. Older checkpoints beyond `keepLast` are deleted. The log is written line by line.
 * A held-out loss (`heldOut`) and a snapshot hook (`snapshot`) run on the EMA weights without
 * touching training's random streams.
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
    const kept: TrainingLogEntry[] = [];
    if (existing === undefined && o.init !== undefined) {
      const { source, load } = typeof o.init === 'string' ? { source: o.init, load: () => readInitWeights(storage, o.init as string) } : o.init;
      assignWeights(parameters, await load(), source);
      ema.load(0, await readVariablesData(parameters)); // the average starts at the initial weights
    }
    if (existing !== undefined) {
      const { state } = existing;
      for (const key of Object.keys(settings) as (keyof TrainingRunSettings)[]) {
        if (state.settings[key] !== settings[key]) {
          throw errors.invalidArgument(key, `${JSON.stringify(state.settings[key])}, as in the run being resumed (${statePath})`, settings[key]);
        }
      }
      checkCheckpointShapes(parameters, existing, joinPath(runDir, checkpointDirectory(state.step)));
      assignWeights(parameters, existing.model, joinPath(runDir, state.files.model));
      adam.load({ updates: state.optimizer.updates, firstMoment: existing.firstMoment, secondMoment: existing.secondMoment });
      ema.load(state.ema.updates, existing.ema);
      timestepSampler.loadState(state.timestepSampler);
      rng = createRng(state.rng);
      // A checkpoint from before denoiserRng was saved resumes with the network's dropout stream from its seed.
      if (state.denoiserRng !== undefined) stage.denoiser.loadRandomState?.(state.denoiserRng);
      step = state.step;
      examplesSeen = state.examplesSeen;
      secondsBefore = state.trainingSeconds;
      lastCheckpoint = joinPath(runDir, checkpointDirectory(step));
      if (logPath !== undefined && (await storage.exists(logPath))) {
        kept.push(...parseLogLines(new TextDecoder().decode(await storage.read(logPath)), step));
      }
    }
    const logFile: TrainingLogFile =
      logPath === undefined ? { entries: kept, add: async (entry) => void kept.push(entry) } : await openTrainingLog(storage, logPath, kept);
    const microBatchSize = o.batchSize / o.gradAccumulation;
    const heldOutSet: HeldOutSet | undefined =
      o.heldOut === undefined ? undefined : await takeHeldOutSet(stage, o.heldOut.dataset ?? o.dataset, { examples: o.heldOut.examples, seed: o.heldOut.seed, microBatchSize });

    const { now } = o;
    const startStep = step;
    const started = now();
    const sessionSeconds = () => (now() - started) / 1000;
    const losses: number[] = [];
    const checkpoints: string[] = [];
    const removedCheckpoints: string[] = [];
    // A checkpoint taken between two log lines kept the sums since the last line: the next line covers them.
    const carried = existing?.state.log;
    const accumulator = createLogAccumulator(T, carried?.pending);
    let intervalStart = started - (carried?.seconds ?? 0) * 1000;
    let lastSaveAt = started;

    const flushLog = async (heldOut: { heldOutLoss?: number; heldOutLossRaw?: number } = {}) => {
      const time = now();
      const entry = { ...accumulator.flush({ step, examplesSeen, seconds: secondsBefore + sessionSeconds(), elapsedSeconds: (time - intervalStart) / 1000 }), ...heldOut };
      intervalStart = time;
      await logFile.add(entry);
      o.onProgress?.(entry);
    };
    /** The held-out losses and the snapshot hook due after this step, on the EMA weights (and the held-out loss on the trained ones when asked). */
    const evaluate = async (): Promise<{ heldOutLoss?: number; heldOutLossRaw?: number }> => {
      const last = step === o.steps;
      const heldOutDue = heldOutSet !== undefined && (step % o.heldOut!.every === 0 || last);
      const snapshotDue = o.snapshot !== undefined && (step % o.snapshot.every === 0 || last);
      if (!heldOutDue && !snapshotDue) return {};
      const out: { heldOutLoss?: number; heldOutLossRaw?: number } = {};
      if (heldOutDue && o.heldOut!.raw) out.heldOutLossRaw = await heldOutSet!.evaluate();
      await withWeights(parameters, ema.weights, async () => {
        if (heldOutDue) out.heldOutLoss = await heldOutSet!.evaluate();
        if (snapshotDue) await o.snapshot!.run({ step, stage, signal: o.signal });
      });
      return out;
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
      // The log is already written up to this step; a crash before state.json leaves lines past the
      // checkpoint, which a resume drops.
      const state: Omit<TrainingState, 'files' | 'format' | 'version'> = {
        stage: stage.name,
        step,
        examplesSeen,
        trainingSeconds: secondsBefore + sessionSeconds(),
        rng: rng.state(),
        ...(stage.denoiser.randomState === undefined ? {} : { denoiserRng: stage.denoiser.randomState() }),
        timestepSampler: timestepSampler.state(),
        optimizer: { name: 'adam', beta1: adam.beta1, beta2: adam.beta2, epsilon: adam.epsilon, updates: adam.updates },
        ema: { decay: ema.decay, warmup: ema.warmup, updates: ema.updates },
        settings,
        ...(accumulator.pending === 0 ? {} : { log: { pending: accumulator.state(), seconds: (now() - intervalStart) / 1000 } }),
      };
      await writeCheckpoint(storage, runDir, state, tensors);
      lastCheckpoint = joinPath(runDir, checkpointDirectory(step));
      checkpoints.push(lastCheckpoint);
      lastSaveAt = now();
      if (o.keepLast !== false) removedCheckpoints.push(...(await pruneCheckpoints(storage, runDir, step, o.keepLast)));
    };

    iterator = o.dataset.batches({ batchSize: microBatchSize, seed: o.seed, start: examplesSeen })[Symbol.asyncIterator]();
    const source = iterator;
    let dataFailed = false;
    const nextBatch = async () => {
      let next: IteratorResult<DataBatch>;
      try {
        next = await source.next();
      } catch (error) {
        dataFailed = true; // the data source broke (an unreadable file, a disk gone): see below
        throw error;
      }
      if (next.done === true) throw errors.invalidArgument('dataset', 'an endless stream of batches', `a stream that ended after ${examplesSeen} examples`);
      return next.value;
    };

    while (step < o.steps) {
      if (o.signal?.aborted === true) {
        if (accumulator.pending > 0) await flushLog();
        if (o.saveOnAbort && lastCheckpoint !== joinPath(runDir, checkpointDirectory(step))) await save();
        throw errors.aborted(`Training ${stage.name} at step ${step} (last checkpoint: ${lastCheckpoint ?? 'none'})`);
      }
      const lr = learningRate(o.learningRate, step);
      const rngAtStep = rng.state();
      const denoiserRngAtStep = stage.denoiser.randomState?.();
      const timestepsAtStep = timestepSampler.state();
      const record = await trainingStep(
        {
          stage,
          adam,
          ema,
          timestepSampler,
          rng,
          classDropout: o.classDropout,
          gradClip: o.gradClip,
          gradientCheckpointing: o.gradientCheckpointing,
          gradAccumulation: o.gradAccumulation,
          nextBatch,
          diverged: (what) => {
            throw errors.trainingDiverged(stage.name, step + 1, what, lastCheckpoint);
          },
        },
        lr,
      ).catch(async (error: unknown) => {
        // The data failed part-way into a step: nothing was updated yet, so undo the step's random
        // draws and save what the steps since the last checkpoint learned, then report the error.
        if (dataFailed && lastCheckpoint !== joinPath(runDir, checkpointDirectory(step)) && step > 0) {
          rng = createRng(rngAtStep);
          if (denoiserRngAtStep !== undefined) stage.denoiser.loadRandomState?.(denoiserRngAtStep);
          timestepSampler.loadState(timestepsAtStep);
          if (accumulator.pending > 0) await flushLog().catch(() => {});
          await save().catch(() => {}); // a save that fails too (the same disk) leaves the last checkpoint as it was
        }
        throw error;
      });
      step++;
      examplesSeen += o.batchSize;
      losses.push(record.loss);
      accumulator.add(record);
      const heldOut = await evaluate();
      if (step % o.logEvery === 0 || step === o.steps || heldOut.heldOutLoss !== undefined) await flushLog(heldOut);
      const dueByStep = o.checkpointEvery !== undefined && step % o.checkpointEvery === 0;
      const dueByTime = o.checkpointMinutes !== false && now() - lastSaveAt >= o.checkpointMinutes * 60_000;
      if (dueByStep || dueByTime || step === o.steps) await save();
      await yieldToEventLoop();
    }
    if (lastCheckpoint === undefined) await save(); // resumed at or past `steps`: nothing new, but say where it is
    const seconds = sessionSeconds();
    const log = logFile.entries;
    return {
      stage: stage.name,
      step,
      startStep,
      examplesSeen,
      losses,
      log,
      heldOut: log.flatMap((e) => (e.heldOutLoss === undefined ? [] : [{ step: e.step, loss: e.heldOutLoss, ...(e.heldOutLossRaw === undefined ? {} : { raw: e.heldOutLossRaw }) }])),
      seconds,
      stepsPerSecond: seconds > 0 ? (step - startStep) / seconds : 0,
      trainingSeconds: secondsBefore + seconds,
      checkpoint: lastCheckpoint!,
      checkpoints,
      removedCheckpoints,
      statePath,
      logPath,
    };
  } finally {
    await iterator?.return?.();
    adam.dispose();
    ema.dispose();
  }
}

/** The parameters' current values by name. */
async function readVariablesData(parameters: ReadonlyMap<string, tf.Variable>): Promise<Map<string, Float32Array>> {
  return new Map([...(await readVariables(parameters))].map(([name, { data }]) => [name, data] as const));
}

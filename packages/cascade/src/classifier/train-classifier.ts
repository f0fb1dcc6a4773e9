import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, joinPath, randomNormal, yieldToEventLoop, type DataBatch, type Rng } from '@cdm/core';
import { createAdam, type Adam } from '../training/adam';
import { checkpointDirectory, readVariables } from '../training/checkpoint';
import { clipScale, globalNorm } from '../training/clip-grad-norm';
import { CLASSIFIER_STATE_FILE, readClassifierCheckpoint, writeClassifierCheckpoint, type ClassifierRunSettings } from './classifier-checkpoint';
import type { NoisyClassifier } from './noisy-classifier';
import { resolveTrainClassifierOptions, type ClassifierLogEntry, type ResolvedTrainClassifierOptions, type TrainClassifierOptions } from './train-classifier-options';

export interface TrainClassifierResult {
  /** Updates completed in total (= `steps`), and the step this session started from. */
  readonly step: number;
  readonly startStep: number;
  readonly examplesSeen: number;
  /** Mean cross-entropy and top-1 accuracy of every update of this session, in order. */
  readonly losses: readonly number[];
  readonly accuracies: readonly number[];
  /** The log lines of this session. */
  readonly log: readonly ClassifierLogEntry[];
  readonly seconds: number;
  /** Directory of the last checkpoint, and those this session wrote. */
  readonly checkpoint: string;
  readonly checkpoints: readonly string[];
  readonly statePath: string;
}

/**
 * Trains a noisy-image classifier for classifier guidance, as guided-diffusion's
 * `classifier_train.py` does: each update draws a labelled batch x_0, t uniform on 0…maxTimestep
 * and ε ~ N(0, I), forms x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (`qSample`), and minimises the cross-entropy
 * of the classifier's logits f(x_t, t) for the labels, with Adam. Checkpoints (weights, Adam's
 * moments, the random generator and the data position) let a run resume exactly where it stopped.
 *
 * Throws CDM_TRAINING_DIVERGED on a NaN/Inf loss or gradient (nothing of that step is applied or
 * saved) and CDM_ABORTED when `signal` fires (after saving, unless `saveOnAbort` is false).
 */
export async function trainClassifier(options: TrainClassifierOptions): Promise<TrainClassifierResult> {
  const o = resolveTrainClassifierOptions(options);
  const { classifier, storage, runDir } = o;
  const parameters = classifier.parameters();
  const statePath = joinPath(runDir, CLASSIFIER_STATE_FILE);
  const logPath = joinPath(runDir, 'log.jsonl');
  const settings: ClassifierRunSettings = { seed: o.seed, batchSize: o.batchSize, maxTimestep: o.maxTimestep };
  const existing = o.resume === false ? undefined : await readClassifierCheckpoint(storage, runDir);
  if (o.resume === false && (await storage.exists(statePath))) {
    throw errors.invalidArgument('resume', `true or 'auto': ${statePath} already holds a run (or choose another runDir)`, false);
  }
  if (o.resume === true && existing === undefined) throw errors.invalidArgument('resume', `false or 'auto': there is no checkpoint to resume (${statePath} does not exist)`, true);

  const adam = createAdam(parameters, o.adam);
  let iterator: AsyncIterator<DataBatch> | undefined;
  try {
    let rng = createRng(o.seed);
    let step = 0;
    let examplesSeen = 0;
    let secondsBefore = 0;
    let lastCheckpoint: string | undefined;
    if (existing !== undefined) {
      const { state } = existing;
      for (const key of Object.keys(settings) as (keyof ClassifierRunSettings)[]) {
        if (state.settings[key] !== settings[key]) throw errors.invalidArgument(key, `${state.settings[key]}, as in the run being resumed (${statePath})`, settings[key]);
      }
      loadWeights(parameters, existing.model, joinPath(runDir, state.files.model));
      adam.load({ updates: state.optimizer.updates, firstMoment: existing.firstMoment, secondMoment: existing.secondMoment });
      rng = createRng(state.rng);
      step = state.step;
      examplesSeen = state.examplesSeen;
      secondsBefore = state.trainingSeconds;
      lastCheckpoint = joinPath(runDir, checkpointDirectory(step));
    }
    const startStep = step;
    const started = performance.now();
    const sessionSeconds = () => (performance.now() - started) / 1000;
    const losses: number[] = [];
    const accuracies: number[] = [];
    const log: ClassifierLogEntry[] = [];
    const checkpoints: string[] = [];
    let pendingLog: ClassifierLogEntry[] = [];
    let interval = { start: performance.now(), steps: 0, loss: 0, accuracy: 0 };

    const flushLog = () => {
      const now = performance.now();
      const n = Math.max(1, interval.steps);
      const entry: ClassifierLogEntry = {
        step,
        examplesSeen,
        loss: interval.loss / n,
        accuracy: interval.accuracy / n,
        lr: o.lr,
        seconds: secondsBefore + sessionSeconds(),
        stepsPerSecond: interval.steps / Math.max(1e-9, (now - interval.start) / 1000),
      };
      interval = { start: now, steps: 0, loss: 0, accuracy: 0 };
      log.push(entry);
      pendingLog.push(entry);
      o.onProgress?.(entry);
    };
    const save = async () => {
      const tensors = { model: await readVariables(parameters), firstMoment: await readVariables(adam.firstMoment), secondMoment: await readVariables(adam.secondMoment) };
      for (const [set, map] of Object.entries(tensors)) {
        for (const [name, { data }] of map) if (!data.every(Number.isFinite)) throw errors.trainingDiverged('the classifier', step, `the ${set} "${name}" tensor`, lastCheckpoint);
      }
      if (pendingLog.length > 0) {
        const before = (await storage.exists(logPath)) ? new TextDecoder().decode(await storage.read(logPath)) : '';
        await storage.write(logPath, new TextEncoder().encode(before + pendingLog.map((e) => `${JSON.stringify(e)}\n`).join('')));
        pendingLog = [];
      }
      await writeClassifierCheckpoint(
        storage,
        runDir,
        { step, examplesSeen, trainingSeconds: secondsBefore + sessionSeconds(), rng: rng.state(), optimizer: { name: 'adam', updates: adam.updates }, settings },
        tensors,
      );
      lastCheckpoint = joinPath(runDir, checkpointDirectory(step));
      checkpoints.push(lastCheckpoint);
    };

    iterator = o.dataset.batches({ batchSize: o.batchSize, seed: o.seed, start: examplesSeen })[Symbol.asyncIterator]();
    while (step < o.steps) {
      if (o.signal?.aborted === true) {
        if (interval.steps > 0) flushLog();
        if (o.saveOnAbort && lastCheckpoint !== joinPath(runDir, checkpointDirectory(step))) await save();
        throw errors.aborted(`Training the classifier at step ${step} (last checkpoint: ${lastCheckpoint ?? 'none'})`);
      }
      const next = await iterator.next();
      if (next.done === true) throw errors.invalidArgument('dataset', 'an endless stream of batches', `a stream that ended after ${examplesSeen} examples`);
      const { loss, accuracy } = await classifierStep(o, classifier, adam, rng, next.value, (what) => {
        throw errors.trainingDiverged('the classifier', step + 1, what, lastCheckpoint);
      });
      step++;
      examplesSeen += o.batchSize;
      losses.push(loss);
      accuracies.push(accuracy);
      interval.steps++;
      interval.loss += loss;
      interval.accuracy += accuracy;
      if (step % o.logEvery === 0 || step === o.steps) flushLog();
      if (step % o.checkpointEvery === 0 || step === o.steps) await save();
      await yieldToEventLoop();
    }
    if (lastCheckpoint === undefined) await save();
    return { step, startStep, examplesSeen, losses, accuracies, log, seconds: sessionSeconds(), checkpoint: lastCheckpoint!, checkpoints, statePath };
  } finally {
    await iterator?.return?.();
    adam.dispose();
  }
}

/** One update: noise the batch at uniform t, cross-entropy of the logits, clipped Adam step. */
async function classifierStep(
  o: ResolvedTrainClassifierOptions,
  classifier: NoisyClassifier,
  adam: Adam,
  rng: Rng,
  batch: DataBatch,
  diverged: (what: string) => never,
): Promise<{ loss: number; accuracy: number }> {
  const owned: tf.Tensor[] = [batch.images, ...(batch.labels ? [batch.labels] : [])];
  let grads: Record<string, tf.Tensor> = {};
  try {
    if (batch.labels === undefined) throw errors.invalidArgument('dataset', 'labelled batches to train a classifier', 'a batch without labels');
    const x0 = batch.images;
    const size = x0.shape[0];
    const timesteps = new Int32Array(size);
    for (let i = 0; i < size; i++) timesteps[i] = rng.int(o.maxTimestep + 1);
    const noise = randomNormal<tf.Rank.R4>(rng, x0.shape);
    const xt = o.diffusion.qSample(x0, timesteps, noise);
    const t = tf.tensor1d(timesteps, 'int32');
    const labels = batch.labels;
    const oneHot = tf.tidy(() => tf.oneHot(tf.cast(labels, 'int32'), classifier.numClasses));
    owned.push(noise, xt, t, oneHot);

    const parameters = classifier.parameters();
    const names = new Map([...parameters].map(([name, variable]) => [variable.name, name] as const));
    const kept: tf.Tensor[] = [];
    const { value, grads: byVariable } = tf.variableGrads(() => {
      const logits = classifier.forward(xt, t, { training: true });
      kept.push(tf.keep(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'float32')));
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar; // mean cross-entropy
    }, [...parameters.values()]);
    owned.push(value, ...kept);
    for (const [variableName, g] of Object.entries(byVariable)) grads[names.get(variableName)!] = g;
    for (const [name, variable] of parameters) grads[name] ??= tf.zerosLike(variable);

    const loss = (await value.data())[0]!;
    const accuracy = Array.from(await kept[0]!.data()).reduce((a, b) => a + b, 0) / size;
    if (!Number.isFinite(loss)) diverged('the loss');
    const normTensor = globalNorm(grads);
    const gradNorm = (await normTensor.data())[0]!;
    normTensor.dispose();
    if (!Number.isFinite(gradNorm)) diverged('the gradient norm');
    const scale = clipScale(gradNorm, o.gradClip);
    if (scale < 1) {
      const unclipped = grads;
      grads = tf.tidy(() => Object.fromEntries(Object.entries(unclipped).map(([name, g]) => [name, tf.mul(g, scale)])));
      tf.dispose(Object.values(unclipped));
    }
    adam.apply(grads, o.lr);
    return { loss, accuracy };
  } finally {
    tf.dispose([...owned, ...Object.values(grads)]);
  }
}

function loadWeights(parameters: ReadonlyMap<string, tf.Variable>, saved: ReadonlyMap<string, Float32Array>, source: string): void {
  const problems: string[] = [];
  for (const [name, variable] of parameters) {
    const values = saved.get(name);
    if (values === undefined) problems.push(`${name}: missing`);
    else if (values.length !== variable.size) problems.push(`${name}: ${values.length} values, expected ${variable.size}`);
  }
  for (const name of saved.keys()) if (!parameters.has(name)) problems.push(`${name}: not a parameter of the classifier`);
  if (problems.length > 0) throw errors.checkpointMismatch(source, problems);
  tf.tidy(() => {
    for (const [name, variable] of parameters) variable.assign(tf.tensor(saved.get(name)!, variable.shape, 'float32'));
  });
}

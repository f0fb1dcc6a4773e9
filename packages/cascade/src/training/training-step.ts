import * as tf from '@tensorflow/tfjs-core';
import { errors, randomNormal, type DataBatch, type DenoiserCallOptions, type DenoiserCondition, type Rng, type TimestepSampler, type TrainingLosses } from '@cdm/core';
import type { Stage } from '../stage/stage';
import type { Adam } from './adam';
import { dropClassLabels } from './class-dropout';
import { clipScale, globalNorm } from './clip-grad-norm';
import type { Ema } from './ema';
import { lowResCondition } from './low-res-condition';
import type { StepRecord } from './training-log';

export interface TrainingStepContext {
  readonly stage: Stage;
  readonly adam: Adam;
  readonly ema: Ema;
  readonly timestepSampler: TimestepSampler;
  readonly rng: Rng;
  readonly classDropout: number;
  readonly gradClip: number | undefined;
  /** Ask the denoiser for gradient checkpointing in its training forward (a hint; see `DenoiserCallOptions`). */
  readonly gradientCheckpointing?: boolean;
  /** Micro-batches per update. */
  readonly gradAccumulation: number;
  /** Fetches the next micro-batch (its tensors are disposed here). */
  readonly nextBatch: () => Promise<DataBatch>;
  /** Called, and must throw, when a loss or the gradient is NaN/Inf (before any weight changes). */
  readonly diverged: (what: string) => never;
}

type MicroBatchResult = {
  readonly objective: number;
  readonly timesteps: Int32Array;
  readonly losses: Float32Array;
  readonly mse: Float32Array;
  readonly vb: Float32Array | undefined;
};

/**
 * One update (DDPM Algorithm 1, with improved DDPM's importance sampling and CDM's conditioning):
 * for each micro-batch draw labels (with dropout), the super-resolution conditioning, t, ε, form
 * x_t = q(x_t | x_0), and take the gradient of the weighted mean loss; then average the gradients,
 * clip their global norm, apply Adam at `lr`, and update the EMA. Random draws come from
 * `context.rng` in a fixed order, so a run is reproducible from its seed and its saved state.
 */
export async function trainingStep(context: TrainingStepContext, lr: number): Promise<StepRecord> {
  const { stage, gradAccumulation } = context;
  const parameters = stage.denoiser.parameters();
  let sum: Record<string, tf.Tensor> | undefined;
  const results: MicroBatchResult[] = [];
  try {
    for (let micro = 0; micro < gradAccumulation; micro++) {
      const { grads, result } = await microBatch(context, parameters);
      results.push(result);
      if (sum === undefined) sum = grads;
      else {
        const previous: Record<string, tf.Tensor> = sum;
        sum = tf.tidy(() => Object.fromEntries(Object.entries(previous).map(([name, g]) => [name, tf.add(g, grads[name]!)])));
        tf.dispose([Object.values(previous), Object.values(grads)]);
      }
    }
    const total = sum!;
    const grads = gradAccumulation === 1 ? total : tf.tidy(() => Object.fromEntries(Object.entries(total).map(([name, g]) => [name, tf.div(g, gradAccumulation)])));
    if (grads !== total) tf.dispose(Object.values(total));
    sum = grads;
    const normTensor = globalNorm(grads);
    const gradNorm = (await normTensor.data())[0]!;
    normTensor.dispose();
    if (!Number.isFinite(gradNorm)) context.diverged('the gradient norm');
    const scale = clipScale(gradNorm, context.gradClip);
    if (scale < 1) {
      const unclipped = grads;
      sum = tf.tidy(() => Object.fromEntries(Object.entries(unclipped).map(([name, g]) => [name, tf.mul(g, scale)])));
      tf.dispose(Object.values(unclipped));
    }
    context.adam.apply(sum, lr);
    context.ema.update();
    const concat = (pick: (r: MicroBatchResult) => ArrayLike<number>) => results.flatMap((r) => Array.from(pick(r)));
    const hasVb = results[0]!.vb !== undefined;
    return {
      loss: results.reduce((a, r) => a + r.objective, 0) / results.length,
      timesteps: concat((r) => r.timesteps),
      losses: concat((r) => r.losses),
      mse: concat((r) => r.mse),
      ...(hasVb ? { vb: concat((r) => r.vb!) } : {}),
      lr,
      gradNorm,
    };
  } finally {
    if (sum !== undefined) tf.dispose(Object.values(sum));
  }
}

async function microBatch(
  context: TrainingStepContext,
  parameters: ReadonlyMap<string, tf.Variable>,
): Promise<{ grads: Record<string, tf.Tensor>; result: MicroBatchResult }> {
  const { stage, rng, timestepSampler } = context;
  const batch = await context.nextBatch();
  const owned: tf.Tensor[] = [batch.images, ...(batch.labels ? [batch.labels] : [])];
  try {
    const x0 = batch.images;
    checkBatchImages(stage, x0);
    let labels: Int32Array | undefined;
    if (stage.numClasses !== undefined) {
      if (batch.labels === undefined) throw errors.invalidArgument('dataset', `labelled batches for the class-conditional stage "${stage.name}"`, 'a batch without labels');
      labels = Int32Array.from(await batch.labels.data());
      if (context.classDropout > 0) labels = dropClassLabels(labels, context.classDropout, stage.nullClass!, rng);
    }
    const { condition, tensors } = stageCondition(stage, x0, labels, rng);
    owned.push(...tensors);
    const size = x0.shape[0];
    const { timesteps, weights } = timestepSampler.sample(size, rng);
    const noise = randomNormal<tf.Rank.R4>(rng, x0.shape);
    const xt = stage.diffusion.qSample(x0, timesteps, noise);
    const t = tf.tensor1d(timesteps, 'int32');
    const w = tf.tensor1d(weights, 'float32');
    owned.push(noise, xt, t, w);

    const perExample: tf.Tensor1D[] = [];
    const names = new Map([...parameters].map(([name, variable]) => [variable.name, name] as const));
    const { value, grads: byVariable } = tf.variableGrads(() => {
      const losses = stageLosses(stage, { x0, xt, noise, timesteps, t, condition }, true, context.gradientCheckpointing === true ? { gradientCheckpointing: true } : {});
      perExample.push(tf.keep(losses.loss), tf.keep(losses.mse), ...(losses.vb ? [tf.keep(losses.vb)] : []));
      return tf.mean(tf.mul(losses.loss, w)) as tf.Scalar;
    }, [...parameters.values()]);
    owned.push(value, ...perExample);
    const grads: Record<string, tf.Tensor> = {};
    for (const [variableName, g] of Object.entries(byVariable)) grads[names.get(variableName)!] = g;
    // A parameter the loss does not reach (e.g. an unused embedding row set) gets a zero gradient.
    for (const [name, variable] of parameters) grads[name] ??= tf.zerosLike(variable);

    try {
      const [lossValues, mseValues, vbValues] = await Promise.all(perExample.map(async (x) => Float32Array.from(await x.data())));
      const objective = (await value.data())[0]!;
      if (!lossValues!.every(Number.isFinite) || !Number.isFinite(objective)) context.diverged('the loss');
      timestepSampler.update?.(timesteps, lossValues!);
      return { grads, result: { objective, timesteps, losses: lossValues!, mse: mseValues!, vb: vbValues } };
    } catch (error) {
      tf.dispose(Object.values(grads));
      throw error;
    }
  } finally {
    tf.dispose(owned);
  }
}

/** Checks that a batch has the stage's resolution and channels. */
export function checkBatchImages(stage: Stage, x0: tf.Tensor4D): void {
  const [, height, width, channels] = x0.shape;
  if (height !== stage.resolution || width !== stage.resolution || channels !== stage.channels) {
    throw errors.shapeMismatch('dataset batch images', `[B, ${stage.resolution}, ${stage.resolution}, ${stage.channels}] for stage "${stage.name}"`, x0.shape);
  }
}

/**
 * The denoiser's conditioning for a batch of stage-resolution images: the class labels as given
 * (after any dropout) and, for a super-resolution stage, the augmented and upsampled low-resolution
 * image and its augmentation level (when the stage has a policy), the draws taken from `rng`. The
 * caller disposes `tensors`.
 */
export function stageCondition(stage: Stage, x0: tf.Tensor4D, labels: Int32Array | undefined, rng: Rng): { condition: DenoiserCondition; tensors: tf.Tensor[] } {
  const condition: { -readonly [K in keyof DenoiserCondition]: DenoiserCondition[K] } = {};
  const tensors: tf.Tensor[] = [];
  if (stage.numClasses !== undefined && labels !== undefined) {
    condition.classLabels = tf.tensor1d(labels, 'int32');
    tensors.push(condition.classLabels);
  }
  if (stage.superResolution !== undefined) {
    const { lowRes, augLevel } = lowResCondition(stage, x0, rng);
    condition.lowRes = lowRes;
    tensors.push(lowRes, augLevel);
    // Without a policy there is no level to condition on (as in sampling): a network without an
    // augmentation-level embedding refuses one.
    if (stage.superResolution.augmentation !== undefined) condition.augLevel = augLevel;
  }
  return { condition, tensors };
}

/** What the per-example losses of a noised batch are computed from. */
export interface StageLossInput {
  readonly x0: tf.Tensor4D;
  readonly xt: tf.Tensor4D;
  readonly noise: tf.Tensor4D;
  readonly timesteps: Int32Array;
  readonly t: tf.Tensor1D;
  readonly condition: DenoiserCondition;
}

/**
 * The denoiser's output on x_t and the diffusion's per-example training losses for it (training
 * mode turns dropout on). `callOptions` adds the denoiser's other call options (e.g. the
 * `gradientCheckpointing` hint of a training forward).
 */
export function stageLosses(stage: Stage, input: StageLossInput, training: boolean, callOptions: Omit<DenoiserCallOptions, 'training'> = {}): TrainingLosses {
  const { x0, xt, noise, timesteps, t, condition } = input;
  const modelOutput = stage.denoiser.forward(xt, t, condition, { ...callOptions, training });
  return stage.diffusion.trainingLosses({ modelOutput, x0, xt, noise, t: timesteps });
}

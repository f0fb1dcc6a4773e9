import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, yieldToEventLoop } from '@cdm/core';
import { createAdam } from '../training/adam';
import type { SmallConvnet } from './small-convnet';

/** Labelled images held in memory: `images` is [count, size, size, channels] interleaved, in [−1, 1]. */
export interface LabelledImages {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

export interface TrainSmallConvnetOptions {
  readonly net: SmallConvnet;
  readonly data: LabelledImages;
  /** Passes over the data. */
  readonly epochs: number;
  /** Default 64 (the last batch of an epoch may be smaller). */
  readonly batchSize?: number;
  /** Peak Adam learning rate, reached after a linear warmup and decayed to 0 on a cosine. Default 2e-3. */
  readonly lr?: number;
  /** Warmup updates; default 5 % of all updates. */
  readonly warmup?: number;
  /** Seeds the shuffling; default 0. */
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** Called after every update with the running means of this epoch. */
  readonly onProgress?: (progress: SmallConvnetTrainingProgress) => void;
}

export interface SmallConvnetTrainingProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  /** Mean cross-entropy (nats) and top-1 accuracy over this epoch's updates so far. */
  readonly loss: number;
  readonly accuracy: number;
  readonly lr: number;
}

export interface SmallConvnetTrainingResult {
  readonly steps: number;
  /** Mean loss and accuracy of each epoch. */
  readonly epochLosses: readonly number[];
  readonly epochAccuracies: readonly number[];
}

/** Learning rate at update `step` (0-based): linear warmup, then cosine decay to 0. */
export function warmupCosineLr(step: number, totalSteps: number, warmup: number, peak: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, totalSteps - warmup);
  return 0.5 * peak * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}

/**
 * Trains a {@link SmallConvnet} with softmax cross-entropy and Adam on labelled images in memory,
 * reshuffled every epoch with a seeded generator (so a run is reproducible on one backend).
 * Throws CDM_TRAINING_DIVERGED on a non-finite loss and CDM_ABORTED when `signal` fires.
 */
export async function trainSmallConvnet(options: TrainSmallConvnetOptions): Promise<SmallConvnetTrainingResult> {
  const { net, data, epochs, batchSize = 64, lr = 2e-3, seed = 0, signal, onProgress } = options;
  const { imageSize, inputChannels, numClasses } = net.config;
  const pixels = imageSize * imageSize * inputChannels;
  if (!Number.isInteger(epochs) || epochs < 1) throw errors.invalidArgument('epochs', 'a positive integer', epochs);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (!Number.isInteger(data.count) || data.count < 1) throw errors.invalidArgument('data.count', 'a positive integer', data.count);
  if (data.images.length !== data.count * pixels) {
    throw errors.invalidArgument('data.images', `${data.count}·${imageSize}·${imageSize}·${inputChannels} = ${data.count * pixels} values`, `${data.images.length} values`);
  }
  if (data.labels.length !== data.count || data.labels.some((l) => !(l >= 0 && l < numClasses))) {
    throw errors.invalidArgument('data.labels', `${data.count} labels in 0…${numClasses - 1}`, `${data.labels.length} labels`);
  }
  const perEpoch = Math.ceil(data.count / batchSize);
  const totalSteps = perEpoch * epochs;
  const warmup = options.warmup ?? Math.max(1, Math.round(0.05 * totalSteps));
  const parameters = net.parameters();
  const names = new Map([...parameters].map(([name, v]) => [v.name, name] as const));
  const adam = createAdam(parameters);
  const rng = createRng(seed);
  const epochLosses: number[] = [];
  const epochAccuracies: number[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = Uint32Array.from({ length: data.count }, (_, i) => i);
      for (let i = data.count - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < perEpoch; b++) {
        if (signal?.aborted === true) throw errors.aborted(`Training the classifier at update ${step}`);
        const indices = order.subarray(b * batchSize, Math.min(data.count, (b + 1) * batchSize));
        const size = indices.length;
        const batch = new Float32Array(size * pixels);
        const labels = new Int32Array(size);
        indices.forEach((index, k) => {
          batch.set(data.images.subarray(index * pixels, (index + 1) * pixels), k * pixels);
          labels[k] = data.labels[index]!;
        });
        const rate = warmupCosineLr(step, totalSteps, warmup, lr);
        const { loss, hits } = await update(net, adam, names, batch, labels, size, numClasses, rate);
        if (!Number.isFinite(loss)) throw errors.trainingDiverged('the classifier', step + 1, 'the loss', undefined);
        step++;
        lossSum += loss * size;
        correct += hits;
        seen += size;
        onProgress?.({ step, totalSteps, epoch, loss: lossSum / seen, accuracy: correct / seen, lr: rate });
        await yieldToEventLoop();
      }
      epochLosses.push(lossSum / seen);
      epochAccuracies.push(correct / seen);
    }
    return { steps: step, epochLosses, epochAccuracies };
  } finally {
    adam.dispose();
  }
}

async function update(
  net: SmallConvnet,
  adam: ReturnType<typeof createAdam>,
  names: ReadonlyMap<string, string>,
  batch: Float32Array,
  labelValues: Int32Array,
  size: number,
  numClasses: number,
  lr: number,
): Promise<{ loss: number; hits: number }> {
  const { imageSize, inputChannels } = net.config;
  const x = tf.tensor4d(batch, [size, imageSize, imageSize, inputChannels]);
  const labels = tf.tensor1d(labelValues, 'int32');
  const oneHot = tf.oneHot(labels, numClasses);
  const kept: tf.Tensor[] = [];
  const grads: Record<string, tf.Tensor> = {};
  try {
    const { value, grads: byVariable } = tf.variableGrads(() => {
      const { logits } = net.forward(x);
      kept.push(tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'))));
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar; // mean cross-entropy
    }, [...net.parameters().values()]);
    kept.push(value, ...Object.values(byVariable));
    for (const [variableName, g] of Object.entries(byVariable)) grads[names.get(variableName)!] = g;
    const loss = (await value.data())[0]!;
    const hits = (await kept[0]!.data())[0]!;
    if (Number.isFinite(loss)) adam.apply(grads, lr);
    return { loss, hits };
  } finally {
    tf.dispose([x, labels, oneHot, ...kept]);
  }
}

import { errors } from '@cdm/core';
import { extractFeatures } from './extract-features';
import { heldOutSplit } from './labelled-images';
import { smallConvnetExtractor } from './procedural-classifier-extractor';
import { createSmallConvnet, type SmallConvnet } from './small-convnet';
import { SMALL_CONVNET_FORMAT } from './small-convnet-checkpoint';
import type { ExtractorTrainingRecord } from './trained-extractor';
import { topKAccuracy } from './top-k-accuracy';
import { trainSmallConvnet, type LabelledImages, type SmallConvnetTrainingProgress } from './train-small-convnet';

/** Widths of the shipped classifier's convolutions; an extractor takes as many of the last ones as its resolution allows. */
const WIDTHS = [16, 32, 64, 128] as const;

/**
 * The default convolution widths at a resolution: the last L of 16, 32, 64, 128, with L the most
 * (up to 4) for which the resolution halves L − 1 times exactly and ends at 2×2 or more.
 * 32 → [16, 32, 64, 128] (ends at 4×4); 28 → [32, 64, 128] (7×7); 16 → [16, 32, 64, 128] (2×2).
 */
export function defaultExtractorWidths(resolution: number): number[] {
  let layers = 1;
  while (layers < WIDTHS.length && resolution % 2 ** layers === 0 && resolution / 2 ** layers >= 2) layers++;
  return WIDTHS.slice(WIDTHS.length - layers);
}

export interface TrainExtractorOptions {
  /** All labelled images, [count, resolution, resolution, channels] in [−1, 1]. */
  readonly data: LabelledImages;
  readonly classNames: readonly string[];
  readonly resolution: number;
  readonly channels: 1 | 3;
  /** Convolution widths (default {@link defaultExtractorWidths}) and feature width (default 128). */
  readonly widths?: readonly number[];
  readonly hidden?: number;
  /** Share of each class held out to measure accuracy; default 0.1. */
  readonly heldOutFraction?: number;
  readonly epochs: number;
  /** Default 64, Adam lr 2e-3 with warmup and cosine decay, seed 0 (weights, split and order). */
  readonly batchSize?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SmallConvnetTrainingProgress) => void;
}

/**
 * Trains a {@link SmallConvnet} classifier to serve as a feature extractor for a user's images:
 * holds out a seeded, stratified share of every class, trains on the rest with cross-entropy, and
 * measures top-1 accuracy on the held-out images (overall and per class). The caller owns `net`.
 */
export async function trainExtractor(options: TrainExtractorOptions): Promise<{ net: SmallConvnet; training: ExtractorTrainingRecord }> {
  const { data, classNames, resolution, channels, hidden = 128, heldOutFraction = 0.1, epochs, batchSize = 64, lr = 2e-3, seed = 0, signal, onProgress } = options;
  if (classNames.length < 2) throw errors.invalidArgument('classNames', 'at least 2 classes (the extractor is a classifier)', classNames);
  const { train, heldOut } = heldOutSplit(data, heldOutFraction, seed);
  if (heldOut.count === 0) throw errors.invalidArgument('data', 'at least 2 images of some class (one to train on, one to hold out)', `${data.count} images`);
  const net = createSmallConvnet({ imageSize: resolution, inputChannels: channels, channels: options.widths ?? defaultExtractorWidths(resolution), hidden, numClasses: classNames.length, seed });
  try {
    const started = performance.now();
    const result = await trainSmallConvnet({ net, data: train, epochs, batchSize, lr, seed, ...(signal === undefined ? {} : { signal }), ...(onProgress === undefined ? {} : { onProgress }) });
    const seconds = (performance.now() - started) / 1000;
    const extractor = smallConvnetExtractor(net, { format: SMALL_CONVNET_FORMAT, version: 1, name: 'held-out', ...net.config });
    const { logits } = await extractFeatures(extractor, heldOut.images, heldOut.count, resolution, { batchSize: 256, channels, ...(signal === undefined ? {} : { signal }) });
    const heldOutAccuracy = topKAccuracy(logits!, heldOut.labels, heldOut.count, classNames.length, 1);
    const byClass: Record<string, number> = {};
    classNames.forEach((name, c) => {
      const rows = Array.from({ length: heldOut.count }, (_, i) => i).filter((i) => heldOut.labels[i] === c);
      if (rows.length === 0) return;
      const classLogits = new Float32Array(rows.length * classNames.length);
      rows.forEach((row, k) => classLogits.set(logits!.subarray(row * classNames.length, (row + 1) * classNames.length), k * classNames.length));
      byClass[name] = topKAccuracy(classLogits, Int32Array.from(rows, () => c), rows.length, classNames.length, 1);
    });
    return {
      net,
      training: {
        heldOutAccuracy,
        heldOutAccuracyByClass: byClass,
        images: data.count,
        trainImages: train.count,
        heldOutImages: heldOut.count,
        heldOutFraction,
        trainAccuracy: result.epochAccuracies.at(-1)!,
        trainLoss: result.epochLosses.at(-1)!,
        epochs,
        steps: result.steps,
        batchSize,
        lr,
        seed,
        seconds,
        parameters: net.parameterCount,
      },
    };
  } catch (error) {
    net.dispose();
    throw error;
  }
}

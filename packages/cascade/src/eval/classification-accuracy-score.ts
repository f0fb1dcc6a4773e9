import { errors } from '@cdm/core';
import { createSmallConvnet, type SmallConvnetConfig } from './small-convnet';
import { extractFeatures } from './extract-features';
import { smallConvnetExtractor } from './procedural-classifier-extractor';
import { topKAccuracy } from './top-k-accuracy';
import { trainSmallConvnet, type LabelledImages, type SmallConvnetTrainingProgress } from './train-small-convnet';

/** Top-1/top-5 accuracy on real data of a classifier trained on generated data only. */
export interface CasResult {
  readonly top1: number;
  readonly top5: number;
  /** Generated training examples and real test examples. */
  readonly trainExamples: number;
  readonly testExamples: number;
  /** The classifier's architecture, e.g. "small-convnet[16,32,64,96]/96"; CAS of different architectures are not comparable. */
  readonly classifier: string;
  /** Final-epoch accuracy on the generated training data. */
  readonly trainAccuracy: number;
}

export interface CasOptions {
  /** Generated images with the labels they were sampled for. */
  readonly generated: LabelledImages;
  /** Held-out real images with their true labels, same resolution and label space. */
  readonly real: LabelledImages;
  /** Side of both image sets. */
  readonly resolution: number;
  /** The architecture, without imageSize (set to `resolution`); e.g. the shipped classifier's config. */
  readonly architecture: Omit<SmallConvnetConfig, 'imageSize'>;
  /** Default 30 epochs, batch 50, lr 2e-3, seed 0. */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SmallConvnetTrainingProgress) => void;
}

/**
 * Classification Accuracy Score (Ravuri & Vinyals 2019), as the CDM paper reports it: train a
 * fresh classifier of a fixed architecture on generated samples labelled with the class they were
 * sampled for, then report its top-1 and top-5 accuracy on real held-out data. A generator whose
 * samples carry their class's features gives a classifier that transfers to real data.
 */
export async function classificationAccuracyScore(options: CasOptions): Promise<CasResult> {
  const { generated, real, resolution, architecture, epochs = 30, batchSize = 50, lr = 2e-3, seed = 0, signal, onProgress } = options;
  const classes = architecture.numClasses;
  for (const [name, set] of [['generated', generated], ['real', real]] as const) {
    if (set.labels.some((l) => !(l >= 0 && l < classes))) throw errors.invalidArgument(`${name} labels`, `classes in 0…${classes - 1}`, Array.from(set.labels.slice(0, 8)));
  }
  const net = createSmallConvnet({ ...architecture, imageSize: resolution });
  const classifier = `small-convnet[${net.config.channels.join(',')}]/${net.config.hidden}`;
  const extractor = smallConvnetExtractor(net, { format: 'cdm-small-convnet', version: 1, name: `cas-${classifier}`, ...net.config });
  try {
    const training = await trainSmallConvnet({ net, data: generated, epochs, batchSize, lr, seed, ...(signal === undefined ? {} : { signal }), ...(onProgress === undefined ? {} : { onProgress }) });
    const channels = net.config.inputChannels === 1 ? 1 : 3;
    const { logits } = await extractFeatures(extractor, real.images, real.count, resolution, { batchSize: 100, channels, ...(signal === undefined ? {} : { signal }) });
    return {
      top1: topKAccuracy(logits!, real.labels, real.count, classes, 1),
      top5: topKAccuracy(logits!, real.labels, real.count, classes, Math.min(5, classes)),
      trainExamples: generated.count,
      testExamples: real.count,
      classifier,
      trainAccuracy: training.epochAccuracies.at(-1)!,
    };
  } finally {
    extractor.dispose();
  }
}

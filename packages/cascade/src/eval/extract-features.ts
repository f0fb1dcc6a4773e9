import * as tf from '@tensorflow/tfjs-core';
import { errors, yieldToEventLoop } from '@cdm/core';
import type { FeatureExtractor } from './feature-extractor';

/** Features (and logits) of a whole image set. */
export interface FeatureSet {
  readonly features: Float32Array;
  readonly logits?: Float32Array;
  readonly count: number;
  readonly featureDim: number;
  readonly extractor: string;
}

export interface ExtractFeaturesOptions {
  /** Images per extractor call; default 50. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  /** Channels of `images`: 3 (RGB, default) or 1 (grey; repeated into RGB for an extractor that takes 3). */
  readonly channels?: 1 | 3;
  /** Called with the number of images done after each batch. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Runs `extractor` over `count` images (interleaved [count, size, size, channels] in [−1, 1]) batch by
 * batch. Grey images given to an RGB extractor are repeated into three channels; RGB images are
 * refused by a grey extractor (it is trained on grey data, and a colour-to-grey rule would be a guess).
 */
export async function extractFeatures(
  extractor: FeatureExtractor,
  images: Float32Array,
  count: number,
  size: number,
  options: ExtractFeaturesOptions = {},
): Promise<FeatureSet> {
  const { batchSize = 50, channels = 3, signal, onProgress } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (channels !== 1 && channels !== 3) throw errors.invalidArgument('channels', '1 or 3', channels);
  const wanted = extractor.channels ?? 3;
  if (channels === 3 && wanted === 1) {
    throw errors.invalidArgument(`images for ${extractor.name}`, '1-channel (grey) images: this extractor takes grey images', '3-channel images');
  }
  const pixels = size * size * channels;
  if (!Number.isInteger(count) || count < 1 || images.length !== count * pixels) {
    throw errors.invalidArgument('images', `${count} ${channels === 3 ? 'RGB' : 'grey'} images of ${size}×${size} (${count * pixels} values)`, `${images.length} values`);
  }
  const d = extractor.featureDim;
  const classes = extractor.numClasses;
  const features = new Float32Array(count * d);
  const logits = classes === undefined ? undefined : new Float32Array(count * classes);
  for (let start = 0; start < count; start += batchSize) {
    if (signal?.aborted === true) throw errors.aborted(`Extracting ${extractor.name} features`);
    const n = Math.min(batchSize, count - start);
    const x = tf.tidy(() => {
      const batch = tf.tensor4d(images.subarray(start * pixels, (start + n) * pixels), [n, size, size, channels]);
      return channels === wanted ? batch : tf.tile(batch, [1, 1, 1, 3]);
    });
    try {
      const out = await extractor.extract(x);
      if (out.features.length !== n * d) throw errors.invalidArgument(`${extractor.name} features`, `${n}×${d} values`, `${out.features.length} values`);
      features.set(out.features, start * d);
      if (logits !== undefined && classes !== undefined) {
        if (out.logits?.length !== n * classes) throw errors.invalidArgument(`${extractor.name} logits`, `${n}×${classes} values`, `${out.logits?.length ?? 0} values`);
        logits.set(out.logits, start * classes);
      }
    } finally {
      x.dispose();
    }
    onProgress?.(start + n, count);
    await yieldToEventLoop();
  }
  return { features, ...(logits === undefined ? {} : { logits }), count, featureDim: d, extractor: extractor.name };
}

import type * as tf from '@tensorflow/tfjs-core';

/** Features (and, for classifiers, logits) of a batch of images, row-major in float32. */
export interface ExtractedFeatures {
  /** [n, featureDim]. */
  readonly features: Float32Array;
  /** [n, numClasses], when the extractor is a classifier. */
  readonly logits?: Float32Array;
}

/**
 * Turns images into the vectors metrics compare. FID and precision/recall use `features`, the
 * Inception Score uses `logits`. Numbers computed with different extractors are not comparable,
 * so every metric reports the extractor's `name`.
 */
export interface FeatureExtractor {
  /** Identifies the network and its weights (e.g. "inception-v3-pool3", "procedural-classifier-v1"). */
  readonly name: string;
  readonly featureDim: number;
  /** A hash of the weights (see `fingerprint`), so caches keyed by it notice retrained weights behind the same name. */
  readonly fingerprint?: string;
  /** Classes of `logits`; undefined when the extractor gives no logits. */
  readonly numClasses?: number;
  /**
   * Channels `extract` takes: 3 (RGB, the default when absent) or 1 (grey). `extractFeatures` feeds
   * grey images to an RGB extractor with the grey value in all three channels, and refuses RGB
   * images for a grey extractor.
   */
  readonly channels?: 1 | 3;
  /** images: [n, H, W, channels] in [−1, 1] (NHWC); any size, resized as the extractor needs. Does not dispose `images`. */
  extract(images: tf.Tensor4D): Promise<ExtractedFeatures>;
  dispose(): void;
}

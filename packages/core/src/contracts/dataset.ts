import type { Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';

/** One batch: NHWC float32 images in [−1, 1] and int32 class labels (absent for unlabelled data). */
export interface DataBatch {
  readonly images: Tensor4D;
  readonly labels?: Tensor1D;
}

/**
 * A stream of batches. The consumer owns (and disposes) each batch's tensors. A training run counts
 * the examples it has consumed and passes that count as `start` to resume at exactly the next batch.
 */
export interface Dataset {
  readonly name: string;
  /** Number of classes, when labelled. */
  readonly numClasses?: number;
  /** Class names in label order, when known. */
  readonly classNames?: readonly string[];
  /**
   * Number of distinct examples, when finite. The stream's first `size` examples (from `start` 0)
   * are then one epoch: every example exactly once, in a seeded order.
   */
  readonly size?: number;
  /** Image size the batches have. */
  readonly resolution: number;
  readonly channels: number;
  batches(options: DatasetIterationOptions): AsyncIterable<DataBatch>;
}

export interface DatasetIterationOptions {
  readonly batchSize: number;
  readonly seed: number;
  /** How many examples of the (seeded, repeating) stream to skip: the resume position. */
  readonly start?: number;
  readonly signal?: AbortSignal;
}

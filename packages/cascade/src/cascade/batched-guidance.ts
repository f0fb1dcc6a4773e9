import * as tf from '@tensorflow/tfjs-core';
import { classifierFreeGuidance, type DenoiseFn, type DenoiserCondition } from '@cdm/core';

export interface BatchedGuidanceOptions {
  /** w: the guidance weight (1 would be plain conditional sampling; callers skip guidance then). */
  readonly scale: number;
  /** The null-class labels, int32 [B], that replace the class labels in the unconditional pass. */
  readonly nullLabels: tf.Tensor1D;
  /** How many output channels are the prediction (the rest, learned variance, come from the conditional half). */
  readonly predictionChannels: number;
}

/** The two passes' condition stacked along the batch: the real labels first, then the null class. */
function stackConditions(condition: DenoiserCondition, nullLabels: tf.Tensor1D): DenoiserCondition {
  const twice = <T extends tf.Tensor>(value: T) => tf.concat([value, value], 0) as T;
  return {
    ...(condition.classLabels === undefined ? {} : { classLabels: tf.concat([condition.classLabels, nullLabels], 0) as tf.Tensor1D }),
    ...(condition.lowRes === undefined ? {} : { lowRes: twice(condition.lowRes) }),
    ...(condition.augLevel === undefined ? {} : { augLevel: twice(condition.augLevel) }),
  };
}

/**
 * Classifier-free guidance (Ho & Salimans 2021) as one model call: x_t, t and the condition are
 * stacked with their unconditional copy (labels → null class) into a batch of 2B, the network runs
 * once, and the halves are mixed by `classifierFreeGuidance`. One forward of 2B keeps the
 * convolutions' matrices twice as tall, which the kernels run faster than two forwards of B. Every
 * image's output depends only on its own rows (the network has no batch-coupled layer in
 * inference), so the result equals the two-pass one up to float rounding (see the test).
 */
export function batchedGuidance(model: DenoiseFn, options: BatchedGuidanceOptions): DenoiseFn {
  const { scale, nullLabels, predictionChannels } = options;
  return (x, t, condition) =>
    tf.tidy(() => {
      const batch = x.shape[0];
      const output = model(tf.concat([x, x], 0), tf.concat([t, t], 0), stackConditions(condition ?? {}, nullLabels));
      const size: [number, number, number, number] = [batch, output.shape[1], output.shape[2], output.shape[3]];
      const conditional = tf.slice(output, [0, 0, 0, 0], size);
      const unconditional = tf.slice(output, [batch, 0, 0, 0], size);
      return classifierFreeGuidance(conditional, unconditional, scale, predictionChannels);
    });
}

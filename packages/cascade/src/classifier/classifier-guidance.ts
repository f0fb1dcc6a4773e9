import * as tf from '@tensorflow/tfjs-core';
import { errors, type ClassifierGuidanceOptions } from '@cdm/core';
import type { NoisyClassifier } from './noisy-classifier';

/**
 * Classifier guidance for core's `sample({ classifier })`: the gradient
 * g = ∇ₓ log p_φ(y | x_t, t) = ∇ₓ log softmax(f_φ(x_t, t))_y for each example's label, and the
 * scale s. The sampler applies s·g: DDPM shifts its mean by Σ·s·g (Dhariwal & Nichol 2021,
 * Algorithm 1); DDIM uses the score form ε̂ − √(1 − ᾱ_t)·s·g (Algorithm 2). With the exact p(y | x_t)
 * and s = 1 this samples p(x | y); s > 1 sharpens it towards p(x)·p(y | x)^s.
 *
 * The gradient is taken per example: the sum over the batch of log p(y_i | x_i) has ∇_{x_i} equal to
 * ∇ log p(y_i | x_i), since a classifier treats examples independently. `t` is what core's loop
 * passes: the model timestep of the trained process (respaced samplers map their indices first),
 * which is what the classifier was trained on.
 *
 * @param labels the class y of each image, in batch order (copied).
 * @param scale s ≥ 0 (0 turns guidance off; 1 is plain conditioning).
 */
export function classifierGuidance(classifier: NoisyClassifier, labels: ArrayLike<number>, scale: number): ClassifierGuidanceOptions {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0) throw errors.invalidArgument('classifierScale', 'a finite number ≥ 0', scale);
  const values = Array.from(labels);
  const bad = values.findIndex((y) => !Number.isInteger(y) || y < 0 || y >= classifier.numClasses);
  if (values.length === 0 || bad >= 0) {
    throw errors.invalidArgument(
      bad >= 0 ? `labels[${bad}]` : 'labels',
      `class indices 0…${classifier.numClasses - 1} of the classifier, one per image`,
      bad >= 0 ? values[bad] : [],
    );
  }
  return {
    scale,
    gradient(x, t) {
      if (x.shape[0] !== values.length) throw errors.shapeMismatch('x (classifier guidance)', `[${values.length}, …]: one image per label`, x.shape);
      return tf.tidy(() => {
        const oneHot = tf.oneHot(tf.tensor1d(values, 'int32'), classifier.numClasses);
        const logProbability = (input: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(classifier.forward(input as tf.Tensor4D, t)), oneHot));
        return tf.grad(logProbability)(x) as tf.Tensor4D;
      });
    },
  };
}

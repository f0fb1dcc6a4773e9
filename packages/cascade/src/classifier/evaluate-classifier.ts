import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, randomNormal, type Dataset, type GaussianDiffusion } from '@cdm/core';
import type { NoisyClassifier } from './noisy-classifier';

export interface EvaluateClassifierOptions {
  readonly classifier: NoisyClassifier;
  readonly diffusion: GaussianDiffusion;
  /** Labelled examples (e.g. a procedural dataset with another `worldSeed` for held-out data). */
  readonly dataset: Dataset;
  /** How many examples to score. */
  readonly examples: number;
  /** Default 16. */
  readonly batchSize?: number;
  /** Timesteps drawn uniformly from minTimestep…maxTimestep (default 0…T − 1). */
  readonly minTimestep?: number;
  readonly maxTimestep?: number;
  /** Seeds the data order, the timesteps and the noise. Default 0. */
  readonly seed?: number;
}

export interface ClassifierEvaluation {
  readonly examples: number;
  /** Mean cross-entropy (nats) and top-1 accuracy on the noised examples. */
  readonly loss: number;
  readonly accuracy: number;
}

/** Scores a noisy-image classifier on x_t = qSample(x_0, t, ε) with t uniform on a range (no gradients, no dropout). */
export async function evaluateClassifier(options: EvaluateClassifierOptions): Promise<ClassifierEvaluation> {
  const { classifier, diffusion, dataset, examples, batchSize = 16, seed = 0 } = options;
  const T = diffusion.numTimesteps;
  const minTimestep = options.minTimestep ?? 0;
  const maxTimestep = options.maxTimestep ?? T - 1;
  if (!Number.isInteger(examples) || examples < 1) throw errors.invalidArgument('examples', 'a positive integer', examples);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (!Number.isInteger(minTimestep) || !Number.isInteger(maxTimestep) || minTimestep < 0 || maxTimestep > T - 1 || minTimestep > maxTimestep) {
    throw errors.invalidArgument('minTimestep…maxTimestep', `a range inside 0…${T - 1}`, [minTimestep, maxTimestep]);
  }
  const rng = createRng(seed);
  const iterator = dataset.batches({ batchSize, seed })[Symbol.asyncIterator]();
  let seen = 0;
  let lossSum = 0;
  let correct = 0;
  try {
    while (seen < examples) {
      const next = await iterator.next();
      if (next.done === true) break;
      const { images, labels } = next.value;
      try {
        if (labels === undefined) throw errors.invalidArgument('dataset', 'labelled batches', 'a batch without labels');
        const size = images.shape[0];
        const timesteps = Int32Array.from({ length: size }, () => minTimestep + rng.int(maxTimestep - minTimestep + 1));
        const noise = randomNormal<tf.Rank.R4>(rng, images.shape);
        const [losses, hits] = tf.tidy(() => {
          const xt = diffusion.qSample(images, timesteps, noise);
          const logits = classifier.forward(xt, tf.tensor1d(timesteps, 'int32'));
          const oneHot = tf.oneHot(tf.cast(labels, 'int32'), classifier.numClasses);
          return [tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)), tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32'))];
        });
        noise.dispose();
        const [l, h] = [await losses.data(), await hits.data()];
        tf.dispose([losses, hits]);
        const take = Math.min(size, examples - seen);
        for (let i = 0; i < take; i++) {
          lossSum += l[i]!;
          correct += h[i]!;
        }
        seen += take;
      } finally {
        tf.dispose([images, ...(labels ? [labels] : [])]);
      }
    }
  } finally {
    await iterator.return?.();
  }
  return { examples: seen, loss: lossSum / seen, accuracy: correct / seen };
}

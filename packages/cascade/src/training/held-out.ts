import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, randomNormal, type Dataset } from '@cdm/core';
import { mixSeeds } from '../datasets/mix-seeds';
import type { Stage } from '../stage/stage';
import { checkBatchImages, stageCondition, stageLosses } from './training-step';

/** A fixed evaluation set: the same examples, timesteps, noise and augmentation draws at every call. */
export interface HeldOutSet {
  readonly examples: number;
  /** The fixed timestep of each example, stratified over [0, T). */
  readonly timesteps: Int32Array;
  /** The mean per-example training loss of the denoiser's current weights on the set (no class dropout, dropout off). */
  evaluate(): Promise<number>;
}

interface Chunk {
  readonly images: Float32Array;
  readonly labels: Int32Array | undefined;
  readonly size: number;
  /** Seeds this chunk's noise and augmentation draws. */
  readonly seed: number;
  /** Index of the chunk's first example. */
  readonly offset: number;
}

/**
 * Takes `examples` examples from `dataset` (its stream under `seed`, from the start) and fixes, from
 * `seed` alone, a timestep per example (one uniform draw in each of `examples` equal strata of
 * [0, T)) and, per micro-batch of `microBatchSize`, the noise ε and the super-resolution
 * augmentation draws. Examples are kept as plain arrays; tensors exist only while a micro-batch is
 * evaluated. Nothing here draws from training's random generator or reads its data stream.
 */
export async function takeHeldOutSet(stage: Stage, dataset: Dataset, options: { examples: number; seed: number; microBatchSize: number }): Promise<HeldOutSet> {
  const { examples, seed, microBatchSize } = options;
  const chunks: Chunk[] = [];
  const iterator = dataset.batches({ batchSize: microBatchSize, seed })[Symbol.asyncIterator]();
  try {
    let taken = 0;
    while (taken < examples) {
      const next = await iterator.next();
      if (next.done === true) throw errors.invalidArgument('heldOut.examples', `at most the ${taken} examples the held-out dataset gave`, examples);
      const { images, labels } = next.value;
      try {
        checkBatchImages(stage, images);
        if (stage.numClasses !== undefined && labels === undefined) {
          throw errors.invalidArgument('heldOut.dataset', `labelled batches for the class-conditional stage "${stage.name}"`, 'a batch without labels');
        }
        const size = Math.min(images.shape[0], examples - taken);
        const perImage = images.size / images.shape[0];
        const pixels = Float32Array.from(await images.data()).subarray(0, size * perImage);
        const labelValues = stage.numClasses === undefined ? undefined : Int32Array.from(await labels!.data()).subarray(0, size);
        chunks.push({ images: pixels, labels: labelValues, size, seed: mixSeeds(seed, 1, chunks.length), offset: taken });
        taken += size;
      } finally {
        tf.dispose([images, ...(labels === undefined ? [] : [labels])]);
      }
    }
  } finally {
    await iterator.return?.();
  }

  const T = stage.diffusion.numTimesteps;
  const strata = createRng(mixSeeds(seed, 0));
  const timesteps = Int32Array.from({ length: examples }, (_, i) => Math.min(T - 1, Math.floor(((i + strata.uniform()) * T) / examples)));
  const { resolution, channels } = stage;

  return {
    examples,
    timesteps,
    async evaluate() {
      let sum = 0;
      for (const chunk of chunks) {
        const owned: tf.Tensor[] = [];
        try {
          const x0 = tf.tensor4d(chunk.images, [chunk.size, resolution, resolution, channels]);
          owned.push(x0);
          // Same order of draws as a training micro-batch: augmentation, then noise.
          const rng = createRng(chunk.seed);
          const { condition, tensors } = stageCondition(stage, x0, chunk.labels, rng);
          owned.push(...tensors);
          const noise = randomNormal<tf.Rank.R4>(rng, x0.shape);
          const chunkTimesteps = timesteps.slice(chunk.offset, chunk.offset + chunk.size);
          const xt = stage.diffusion.qSample(x0, chunkTimesteps, noise);
          const t = tf.tensor1d(chunkTimesteps, 'int32');
          owned.push(noise, xt, t);
          const loss = tf.tidy(() => tf.sum(stageLosses(stage, { x0, xt, noise, timesteps: chunkTimesteps, t, condition }, false).loss));
          owned.push(loss);
          sum += (await loss.data())[0]!;
        } finally {
          tf.dispose(owned);
        }
      }
      return sum / examples;
    },
  };
}

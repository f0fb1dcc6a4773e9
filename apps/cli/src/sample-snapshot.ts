import * as tf from '@tensorflow/tfjs-core';
import { downsampleArea, joinPath, type Dataset, type Storage } from '@cdm/core';
import { checkpointDirectory, createCascade, mixSeeds, type Stage, type TrainingSnapshotContext } from '@cdm/cascade';
import { pngCodec, tensorToImages } from '@cdm/backend-node';
import { captionedGrid } from './caption-grid';

/** Images in a training sample grid: one per class up to this many (spread over the classes beyond it). */
const MAX_IMAGES = 16;
/** DDPM steps of a sample grid (fewer when the process has fewer). */
const GRID_STEPS = 50;

export interface SampleSnapshotOptions {
  readonly stage: Stage;
  /** Super-resolution stages: where the low-resolution inputs come from (a fixed batch, taken once). */
  readonly dataset: Dataset;
  readonly classNames: readonly string[] | undefined;
  readonly storage: Storage;
  /** The run directory (storage path): grids go to `samples/step-NNNNNNN.png` in it. */
  readonly runDir: string;
  readonly seed: number;
  /** Called with the path of each grid written. */
  readonly onWritten?: (path: string) => void;
}

/** Where the grid of a step goes, relative to the run directory. */
export function sampleGridPath(step: number): string {
  return checkpointDirectory(step).replace(/^checkpoints\//, 'samples/') + '.png';
}

/**
 * The `run` of trainStage's snapshot hook for `cdm train`: samples a small grid with the weights
 * the stage holds during the call (the EMA) by ancestral DDPM, with its own seed (the same images'
 * noise at every step, so grids compare across steps), and writes it as a PNG. A base stage draws
 * one image per class (captioned with the class names when known); a super-resolution stage
 * upsamples a fixed batch of real images, downsampled to its input resolution, shown above its
 * samples.
 */
export async function sampleSnapshot(options: SampleSnapshotOptions): Promise<(context: TrainingSnapshotContext) => Promise<void>> {
  const { stage, storage, runDir, seed, classNames } = options;
  const steps = Math.min(GRID_STEPS, stage.diffusion.numTimesteps);
  const params = { sampler: 'ddpm', steps, guidanceScale: stage.defaults.guidanceScale ?? 1 };
  let labels: number[] | undefined;
  if (stage.numClasses !== undefined) {
    const n = Math.min(stage.numClasses, MAX_IMAGES);
    labels = Array.from({ length: n }, (_, i) => Math.floor((i * stage.numClasses!) / n));
  }
  const inputs = stage.superResolution === undefined ? undefined : await lowResInputs(stage, options.dataset, mixSeeds(seed, 0x736e6170));
  if (inputs !== undefined && stage.numClasses !== undefined) labels = inputs.labels;

  return async ({ step, signal }) => {
    const owned: tf.Tensor[] = [];
    try {
      let images: tf.Tensor4D;
      let top: tf.Tensor4D | undefined;
      if (inputs === undefined) {
        const result = await createCascade([stage]).sample({ ...(labels === undefined ? { count: 8 } : { classLabels: labels }), seed, stages: [params], ...(signal === undefined ? {} : { signal }) });
        images = result.images;
      } else {
        const low = stage.superResolution!.lowResolution;
        const handover = tf.tensor4d(inputs.images, [inputs.count, low, low, stage.channels]);
        owned.push(handover);
        // A stand-in for the stage below (never run: sampling starts at this stage from the hand-over).
        const below: Stage = { ...stage, name: 'input', resolution: low, superResolution: undefined, numClasses: undefined, nullClass: undefined, classifier: undefined, defaults: { sampler: stage.defaults.sampler } };
        const result = await createCascade([below, stage]).sample({
          ...(labels === undefined ? { count: inputs.count } : { classLabels: labels }),
          seed,
          stages: [{}, params],
          handover: { stage: 1, images: handover },
          ...(signal === undefined ? {} : { signal }),
        });
        images = result.images;
        top = tf.image.resizeNearestNeighbor(handover, [stage.resolution, stage.resolution]);
        owned.push(top);
      }
      owned.push(images);
      const both = top === undefined ? images : (tf.concat([top, images], 0) as tf.Tensor4D);
      if (both !== images) owned.push(both);
      // Small images are enlarged (nearest neighbour, whole pixels) to at least 64 px, so that the grid can be looked at.
      const scale = Math.max(1, Math.ceil(64 / stage.resolution));
      const shown = scale === 1 ? both : tf.image.resizeNearestNeighbor(both, [stage.resolution * scale, stage.resolution * scale]);
      if (shown !== both) owned.push(shown);
      const raw = await tensorToImages(shown);
      const names = inputs === undefined && labels !== undefined && classNames !== undefined ? labels.map((l) => classNames[l] ?? String(l)) : undefined;
      const grid = captionedGrid(raw, names, inputs === undefined ? undefined : inputs.count);
      const path = joinPath(runDir, sampleGridPath(step));
      await storage.write(path, await pngCodec().encodePng(grid));
      options.onWritten?.(path);
    } finally {
      tf.dispose(owned);
    }
  };
}

/** A fixed batch of real images at the stage's input resolution (and their labels). */
async function lowResInputs(stage: Stage, dataset: Dataset, seed: number): Promise<{ images: Float32Array; labels: number[] | undefined; count: number }> {
  const count = 8;
  const iterator = dataset.batches({ batchSize: count, seed })[Symbol.asyncIterator]();
  try {
    const { value, done } = await iterator.next();
    if (done === true) throw new Error('the dataset gave no batch');
    try {
      const small = downsampleArea(value.images, stage.superResolution!.lowResolution);
      const images = Float32Array.from(await small.data());
      small.dispose();
      const labels = value.labels === undefined ? undefined : Array.from(await value.labels.data());
      return { images, labels, count: value.images.shape[0] };
    } finally {
      tf.dispose([value.images, ...(value.labels === undefined ? [] : [value.labels])]);
    }
  } finally {
    await iterator.return?.();
  }
}

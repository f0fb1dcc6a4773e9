import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, type DataBatch, type Dataset, type DatasetIterationOptions } from '@cdm/core';
import { mixSeeds } from './mix-seeds';
import { drawScene, type ProceduralScene } from './procedural-scene';
import { PROCEDURAL_CLASSES } from './procedural-shapes';
import { renderScene } from './render-scene';

export interface ProceduralDatasetOptions {
  /** Side of the square images. */
  readonly resolution: number;
  /** Distinct examples per epoch; the stream repeats them, reshuffled each epoch. Default 50 000. */
  readonly size?: number;
  /** Which procedural world: example i is the same image for the same `worldSeed`. Default 0. */
  readonly worldSeed?: number;
  /** Point samples per pixel side (anti-aliasing). Default 4. */
  readonly supersample?: number;
}

export interface ProceduralDataset extends Dataset {
  readonly size: number;
  readonly classNames: readonly string[];
  /** The scene of example `index` (its class is `index mod 10`). */
  scene(index: number): ProceduralScene;
  /** Example `index` rendered at any resolution (interleaved RGB in [−1, 1]). */
  render(index: number, resolution?: number): Float32Array;
}

/**
 * A class-labelled image dataset made from nothing but a seed: ten shape classes with random
 * colours, stripe textures, sizes, positions, rotations and backgrounds, rendered at any
 * resolution. It needs no download, runs in Node and browsers, and has fine detail (stripes,
 * anti-aliased edges) for super-resolution stages to learn.
 */
export function proceduralDataset(options: ProceduralDatasetOptions): ProceduralDataset {
  const { resolution, size = 50_000, worldSeed = 0, supersample = 4 } = options;
  if (!Number.isInteger(resolution) || resolution < 1) throw errors.invalidArgument('resolution', 'a positive integer', resolution);
  if (!Number.isInteger(size) || size < PROCEDURAL_CLASSES.length) {
    throw errors.invalidArgument('size', `an integer ≥ ${PROCEDURAL_CLASSES.length}`, size);
  }
  const numClasses = PROCEDURAL_CLASSES.length;
  const scene = (index: number) => {
    if (!Number.isInteger(index) || index < 0) throw errors.invalidArgument('index', 'a non-negative integer', index);
    return drawScene(createRng(mixSeeds(worldSeed, index)), index % numClasses);
  };
  const render = (index: number, at = resolution) => renderScene(scene(index), at, supersample);

  return {
    name: 'procedural',
    numClasses,
    classNames: PROCEDURAL_CLASSES,
    resolution,
    channels: 3,
    size,
    scene,
    render,
    batches: (iteration) => iterateBatches(iteration, size, resolution, render),
  };
}

/** The examples of epoch `epoch` in their shuffled order (Fisher–Yates with a seeded generator). */
function epochOrder(size: number, seed: number, epoch: number): Uint32Array {
  const order = Uint32Array.from({ length: size }, (_, i) => i);
  const rng = createRng(mixSeeds(seed, epoch));
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

async function* iterateBatches(
  options: DatasetIterationOptions,
  size: number,
  resolution: number,
  render: (index: number) => Float32Array,
): AsyncGenerator<DataBatch> {
  const { batchSize, seed, start = 0, signal } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (!Number.isInteger(start) || start < 0) throw errors.invalidArgument('start', 'a non-negative integer', start);
  const pixels = resolution * resolution * 3;
  let position = start;
  let epoch = -1;
  let order: Uint32Array = new Uint32Array(0);
  for (;;) {
    if (signal?.aborted) throw errors.aborted('Reading the procedural dataset');
    const images = new Float32Array(batchSize * pixels);
    const labels = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++, position++) {
      if (Math.floor(position / size) !== epoch) {
        epoch = Math.floor(position / size);
        order = epochOrder(size, seed, epoch);
      }
      const index = order[position % size]!;
      images.set(render(index), b * pixels);
      labels[b] = index % PROCEDURAL_CLASSES.length;
    }
    yield {
      images: tf.tensor4d(images, [batchSize, resolution, resolution, 3]),
      labels: tf.tensor1d(labels, 'int32'),
    };
  }
}

import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, type Dataset } from '@cdm/core';
import type { LabelledImages } from './train-small-convnet';

export interface ReadLabelledImagesOptions {
  /** Examples to read: the first `count` of the seeded order. Default: the dataset's `size` (one epoch, every example once). */
  readonly count?: number;
  /** Seeds the dataset's order; default 0. */
  readonly seed?: number;
  /** Examples per batch read; default 256. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
  /** Called with the number of examples read after each batch. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Reads the first `count` examples of a labelled {@link Dataset}'s stream (from start 0, with `seed`)
 * into memory: [count, resolution, resolution, channels] in [−1, 1], with their labels. With the
 * default count, a dataset of finite `size` gives each of its examples exactly once. Needs
 * count·resolution²·channels·4 bytes (188 MB for Fashion-MNIST's 60 000 training images).
 */
export async function readLabelledImages(dataset: Dataset, options: ReadLabelledImagesOptions = {}): Promise<LabelledImages> {
  const { seed = 0, batchSize = 256, signal, onProgress } = options;
  const count = options.count ?? dataset.size;
  if (count === undefined) throw errors.invalidArgument(`count (${dataset.name} states no size)`, 'a number of examples to read', count);
  if (!Number.isInteger(count) || count < 1) throw errors.invalidArgument('count', 'a positive integer', count);
  if (dataset.size !== undefined && count > dataset.size) throw errors.invalidArgument('count', `at most the ${dataset.size} examples of ${dataset.name}`, count);
  const { resolution, channels } = dataset;
  const pixels = resolution * resolution * channels;
  const images = new Float32Array(count * pixels);
  const labels = new Int32Array(count);
  let done = 0;
  for await (const batch of dataset.batches({ batchSize: Math.min(batchSize, count), seed, start: 0, ...(signal === undefined ? {} : { signal }) })) {
    try {
      if (batch.labels === undefined) throw errors.invalidArgument(dataset.name, 'a labelled dataset (class sub-folders)', 'unlabelled batches');
      const [b, h, w, c] = batch.images.shape;
      if (h !== resolution || w !== resolution || c !== channels) throw errors.shapeMismatch(`${dataset.name} batch`, `[B, ${resolution}, ${resolution}, ${channels}]`, batch.images.shape);
      const take = Math.min(b, count - done);
      const [pixelData, labelData] = await Promise.all([batch.images.data(), batch.labels.data()]);
      images.set((pixelData as Float32Array).subarray(0, take * pixels), done * pixels);
      labels.set((labelData as Int32Array).subarray(0, take), done);
      done += take;
    } finally {
      tf.dispose([batch.images, ...(batch.labels === undefined ? [] : [batch.labels])]);
    }
    onProgress?.(done, count);
    if (done === count) break;
  }
  if (done < count) throw errors.invalidArgument(dataset.name, `a stream of at least ${count} examples`, `${done} examples`);
  return { images, labels, count };
}

/** A labelled set split into training and held-out parts. */
export interface HeldOutSplit {
  readonly train: LabelledImages;
  readonly heldOut: LabelledImages;
}

/**
 * Holds out a seeded `fraction` of each class (stratified): round(fraction·nᶜ) of the nᶜ images of
 * class c, but at least one and at most nᶜ − 1 when nᶜ ≥ 2 (so every class is both trained on and
 * tested), none of a class with a single image. Both parts keep the input's order.
 */
export function heldOutSplit(data: LabelledImages, fraction: number, seed = 0): HeldOutSplit {
  if (!(fraction > 0 && fraction < 1)) throw errors.invalidArgument('fraction', 'a number between 0 and 1 (exclusive)', fraction);
  const { count, labels } = data;
  const pixels = data.images.length / count;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const list = byClass.get(labels[i]!) ?? [];
    list.push(i);
    byClass.set(labels[i]!, list);
  }
  const rng = createRng(seed);
  const held = new Uint8Array(count);
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(label)!;
    if (members.length < 2) continue;
    const take = Math.min(members.length - 1, Math.max(1, Math.round(fraction * members.length)));
    for (let j = 0; j < take; j++) {
      const r = j + rng.int(members.length - j);
      [members[j], members[r]] = [members[r]!, members[j]!];
      held[members[j]!] = 1;
    }
  }
  const part = (keep: 0 | 1): LabelledImages => {
    const rows = Array.from({ length: count }, (_, i) => i).filter((i) => held[i] === keep);
    const images = new Float32Array(rows.length * pixels);
    rows.forEach((row, k) => images.set(data.images.subarray(row * pixels, (row + 1) * pixels), k * pixels));
    return { images, labels: Int32Array.from(rows, (row) => labels[row]!), count: rows.length };
  };
  return { train: part(0), heldOut: part(1) };
}

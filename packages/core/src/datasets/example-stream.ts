import * as tf from '@tensorflow/tfjs-core';
import type { DataBatch, DatasetIterationOptions } from '../contracts/dataset';
import { errors } from '../errors';
import { createRng } from '../rng';

/** One decoded example, HWC float32 in [−1, 1], or undefined when it was unreadable and skipped. */
export type LoadedExample = { readonly pixels: Float32Array; readonly label?: number } | undefined;

export interface ExampleStreamSource {
  readonly count: number;
  readonly resolution: number;
  readonly channels: number;
  readonly randomFlip: boolean;
  readonly labelled: boolean;
  /** Loads example `index` (in the dataset's own order), mirrored when `flip`. */
  load(index: number, flip: boolean): Promise<LoadedExample>;
  /**
   * Read the next batch while the consumer works on this one (default true). Loads are
   * asynchronous, so with file reads the bytes arrive on I/O threads during the training step.
   */
  readonly prefetch?: boolean;
}

/** A 32-bit mix of two integers (murmur3's finaliser over a combination), for per-epoch / per-position seeds. */
export function mixSeed(a: number, b: number): number {
  let h = (Math.imul(a >>> 0, 0x9e3779b1) ^ Math.imul((b >>> 0) + 0x7f4a7c15, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The dataset order of epoch `epoch`: a Fisher–Yates shuffle seeded by (seed, epoch). */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const rng = createRng(mixSeed(seed, epoch));
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * The endless, seeded stream of batches behind the file datasets: epoch after epoch, each in its
 * own shuffled order; stream position p (counting from 0 over all epochs) is example
 * order_{⌊p/N⌋}[p mod N], flipped when a coin seeded by (seed, p) says so. `start` skips to a
 * position without reading anything. With `prefetch` (the default) the next batch is read while the
 * current one is in use; either way the batches are the same. Unreadable examples that the loader
 * skips are replaced by the following positions.
 */
export async function* exampleStream(source: ExampleStreamSource, options: DatasetIterationOptions): AsyncGenerator<DataBatch> {
  const { batchSize, seed, start = 0, signal } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
  if (!Number.isInteger(start) || start < 0) throw errors.invalidArgument('start', 'a non-negative integer', start);
  if (source.count === 0) throw errors.invalidArgument('dataset', 'at least one example', 0);
  const { count, resolution, channels } = source;
  let position = start;
  let epoch = -1;
  let order: Int32Array = new Int32Array(0);
  let skippedInARow = 0;

  const readBatch = async () => {
    const pixels = new Float32Array(batchSize * resolution * resolution * channels);
    const labels = new Int32Array(batchSize);
    let filled = 0;
    while (filled < batchSize) {
      if (signal?.aborted) throw errors.aborted('Reading the dataset');
      const want = Math.min(batchSize - filled, 64);
      const jobs: Promise<LoadedExample>[] = [];
      for (let k = 0; k < want; k++, position++) {
        const e = Math.floor(position / count);
        if (e !== epoch) {
          epoch = e;
          order = epochOrder(count, seed, epoch);
        }
        const flip = source.randomFlip && createRng(mixSeed(seed ^ 0x5bd1e995, position)).uniform() < 0.5;
        jobs.push(source.load(order[position % count]!, flip));
      }
      for (const example of await Promise.all(jobs)) {
        if (example === undefined) {
          if (++skippedInARow >= count) throw errors.invalidArgument('dataset', 'at least one readable example', `${count} unreadable`);
          continue;
        }
        skippedInARow = 0;
        pixels.set(example.pixels, filled * example.pixels.length);
        labels[filled] = example.label ?? 0;
        filled++;
      }
    }
    return { pixels, labels };
  };

  let pending: Promise<{ pixels: Float32Array; labels: Int32Array }> | undefined = readBatch();
  try {
    while (true) {
      const { pixels, labels } = await pending!;
      pending = source.prefetch === false ? undefined : readBatch();
      pending?.catch(() => {}); // a failure surfaces when the batch is awaited, not as an unhandled rejection
      const images = tf.tensor4d(pixels, [batchSize, resolution, resolution, channels]);
      yield source.labelled ? { images, labels: tf.tensor1d(labels, 'int32') } : { images };
      pending ??= readBatch();
    }
  } finally {
    await pending?.catch(() => {}); // let an outstanding read finish before the source closes
  }
}

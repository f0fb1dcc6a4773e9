import { errors } from '@cdm/core';
import type { ProceduralDataset } from '../datasets/procedural-dataset';
import type { LabelledImages } from './train-small-convnet';

/**
 * Examples `start … start + count − 1` of a procedural dataset rendered into memory (interleaved
 * RGB in [−1, 1], labels = index mod classes), in index order, so every class appears equally often.
 * `resolution` defaults to the dataset's.
 */
export function renderProceduralExamples(
  dataset: ProceduralDataset,
  count: number,
  options: { readonly start?: number; readonly resolution?: number; readonly onProgress?: (done: number) => void } = {},
): LabelledImages {
  const { start = 0, resolution = dataset.resolution, onProgress } = options;
  if (!Number.isInteger(count) || count < 1) throw errors.invalidArgument('count', 'a positive integer', count);
  if (!Number.isInteger(start) || start < 0) throw errors.invalidArgument('start', 'a non-negative integer', start);
  const pixels = resolution * resolution * dataset.channels;
  const images = new Float32Array(count * pixels);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    images.set(dataset.render(start + i, resolution), i * pixels);
    labels[i] = (start + i) % dataset.numClasses!;
    if (onProgress !== undefined && ((i + 1) % 500 === 0 || i + 1 === count)) onProgress(i + 1);
  }
  return { images, labels, count };
}

import type { RawImage } from '@cdm/core';
import type { Cascade } from '@cdm/cascade';
import { tensorToImages } from '@cdm/backend-node';
import { withFlagNames } from '../stage-sample-flags';
import type { SampleChunk } from './sample-chunk';

/**
 * Samples a chunk's images in batches of `chunk.batch`, each batch with `firstIndex` at its first
 * image: the images are those of the in-process `cdm sample` with the same seed and settings.
 */
export async function sampleChunkImages(cascade: Cascade, chunk: SampleChunk): Promise<{ images: RawImage[]; stageMs: number[] }> {
  const images: RawImage[] = [];
  const stageMs = cascade.stages.map(() => 0);
  for (let offset = 0; offset < chunk.count; offset += chunk.batch) {
    const size = Math.min(chunk.batch, chunk.count - offset);
    const result = await withFlagNames(() => cascade.sample({
      ...(chunk.classLabels === null ? { count: size } : { classLabels: chunk.classLabels.slice(offset, offset + size) }),
      seed: chunk.seed,
      firstIndex: chunk.first + offset,
      stages: chunk.stages,
    }));
    try {
      images.push(...(await tensorToImages(result.images)));
    } finally {
      result.images.dispose();
    }
    result.timings.forEach((ms, i) => (stageMs[i]! += ms));
  }
  return { images, stageMs };
}

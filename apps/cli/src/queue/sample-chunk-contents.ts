import type { RawImage } from '@cdm/core';
import type { Cascade } from '@cdm/cascade';
import { tensorToImages } from '@cdm/backend-node';
import { deferredReads } from '../deferred-reads';
import { withFlagNames } from '../stage-sample-flags';
import { imagesArray, type ChunkArray, type ChunkContents } from './chunk-file';
import type { SampleChunk } from './sample-chunk';

/**
 * Samples a chunk's images in batches of `chunk.batch`, each batch with `firstIndex` at its first
 * image: the images are those of the in-process `cdm sample` (kind `images`) or `cdm eval` (kind
 * `eval`) with the same seed and settings.
 */
export async function sampleChunkContents(cascade: Cascade, chunk: SampleChunk, signal?: AbortSignal): Promise<ChunkContents> {
  const stages = cascade.stages;
  const last = stages.length - 1;
  const final = stages[last]!;
  const below = last < 1 ? undefined : stages[last - 1]!;
  const pixels = final.resolution * final.resolution * final.channels;
  const lowPixels = below === undefined ? 0 : below.resolution * below.resolution * below.channels;
  const evaluating = chunk.kind === 'eval';
  const images: RawImage[] = [];
  const values = evaluating ? new Float32Array(chunk.count * pixels) : undefined;
  const inputs = evaluating && below !== undefined ? new Float32Array(chunk.count * lowPixels) : undefined;
  const reads = deferredReads(); // onProgress is synchronous; webgpu in Node has asynchronous reads only
  const stageMs = stages.map(() => 0);
  let inputsSeen = 0;
  for (let offset = 0; offset < chunk.count; offset += chunk.batch) {
    const size = Math.min(chunk.batch, chunk.count - offset);
    const result = await withFlagNames(() => cascade.sample({
      ...(chunk.classLabels === null ? { count: size } : { classLabels: chunk.classLabels.slice(offset, offset + size) }),
      seed: chunk.seed,
      firstIndex: chunk.first + offset,
      stages: chunk.stages,
      ...(inputs === undefined
        ? {}
        : {
            onProgress: (e) => {
              if (e.stage !== last - 1 || e.level !== 0) return;
              reads.copy(e.state, inputs, offset * lowPixels);
              inputsSeen += size;
            },
          }),
      ...(signal === undefined ? {} : { signal }),
    }));
    try {
      if (values !== undefined) values.set(await result.images.data(), offset * pixels);
      else images.push(...(await tensorToImages(result.images)));
      await reads.flush();
    } finally {
      result.images.dispose();
    }
    result.timings.forEach((ms, i) => (stageMs[i]! += ms));
  }
  const shape = (resolution: number, channels: number) => [chunk.count, resolution, resolution, channels];
  const arrays: Record<string, ChunkArray> =
    values === undefined
      ? { images: imagesArray(images) }
      : {
          values: { dtype: 'float32', shape: shape(final.resolution, final.channels), data: values },
          // A truncated hand-over never takes the stage below to level 0: no inputs then.
          ...(inputs === undefined || inputsSeen !== chunk.count ? {} : { inputs: { dtype: 'float32', shape: shape(below!.resolution, below!.channels), data: inputs } as const }),
        };
  return { arrays, stageMs };
}

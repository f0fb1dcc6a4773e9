import type { CommandContext } from '../context';
import type { EvalSamples } from '../eval-samples';
import { sampleOnQueue, type QueueSampleOptions, type QueueSampleSummary } from './sample-on-queue';

/** The coordinator's settings, as for `cdm sample --queue`, and the size of what each image's arrays hold. */
export interface QueueEvalOptions extends Omit<QueueSampleOptions, 'kind' | 'onChunk'> {
  /** Values per image of the last stage, and of the stage below it (0 for a one-stage cascade). */
  readonly pixels: number;
  readonly lowPixels: number;
}

/**
 * `cdm eval --queue`: the samples `sampleForEval` would draw in this process, drawn by `cdm worker`
 * processes instead (chunks of kind `eval`: the last stage's float values and the clean images it
 * was handed), gathered in image order. With `--batch` equal to `--chunk-size` every batch is the
 * one the in-process run samples, so the values, and the metrics, are the same to the bit.
 */
export async function sampleForEvalOnQueue(ctx: CommandContext, options: QueueEvalOptions): Promise<EvalSamples & { readonly queue: QueueSampleSummary }> {
  const { pixels, lowPixels, ...settings } = options;
  const { n } = settings;
  const images = new Float32Array(n * pixels);
  let inputs: Float32Array | undefined = lowPixels > 0 ? new Float32Array(n * lowPixels) : undefined;
  const started = performance.now();
  const queue = await sampleOnQueue(ctx, {
    ...settings,
    kind: 'eval',
    onChunk: async (first, chunk) => {
      const values = chunk.arrays.values;
      if (values?.dtype !== 'float32' || values.data.length !== values.shape[0]! * pixels) throw new Error(`chunk ${first} holds no float values of the last stage`);
      images.set(values.data, first * pixels);
      const handed = chunk.arrays.inputs;
      if (inputs !== undefined && handed?.dtype === 'float32' && handed.data.length === handed.shape[0]! * lowPixels) inputs.set(handed.data, first * lowPixels);
      else inputs = undefined; // one chunk without them (a truncated hand-over): none
    },
  });
  return { images, seconds: (performance.now() - started) / 1000, ...(inputs === undefined ? {} : { inputs }), queue };
}

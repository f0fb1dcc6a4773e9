import * as tf from '@tensorflow/tfjs-core';
import type { Cascade, StageSampleParams } from '@cdm/cascade';
import type { ImageBatch } from './pixels';

/** What the controls ask for: one class for every image of the batch. */
export interface SampleSettings {
  readonly classLabel: number | undefined;
  readonly count: number;
  readonly seed: number;
  readonly stages: readonly StageSampleParams[];
}

/** A stage's current x̂_0 while it denoises. */
export interface StagePreview {
  readonly stage: number;
  readonly stageName: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly images: ImageBatch;
}

/** A finished stage: its images (NHWC values in [−1, 1]) and how long it took. */
export interface StageOutput {
  readonly stage: number;
  readonly stageName: string;
  readonly images: ImageBatch;
  readonly milliseconds: number;
}

export interface SamplingCallbacks {
  readonly signal?: AbortSignal;
  /** Called after every denoising step (cheap: no read-back). */
  readonly onStep?: (event: { readonly stage: number; readonly step: number; readonly totalSteps: number }) => void;
  /** Called with x̂_0 as often as reading it back keeps up (a step whose read would queue is skipped). */
  readonly onPreview?: (preview: StagePreview) => void;
  readonly onStage?: (output: StageOutput) => void;
}

export interface SamplingRun {
  readonly stages: readonly StageOutput[];
  readonly timings: readonly number[];
}

/**
 * Copies a tensor that is valid only during a callback and reads it back asynchronously; the copy is
 * freed after the read. The values are copied once more into an array of our own: WebGL and WebGPU
 * keep the array `data()` returns as the tensor's CPU copy (shared with the original through
 * `clone`), and the worker transfers these arrays to the page, which would empty theirs.
 */
async function readBatch(tensor: tf.Tensor4D): Promise<ImageBatch> {
  const [count, height, width, channels] = tensor.shape;
  const copy = tf.clone(tensor);
  try {
    const values = Float32Array.from((await copy.data()) as Float32Array);
    return { count, height, width, channels, values };
  } finally {
    copy.dispose();
  }
}

/**
 * Samples `cascade` once with `settings`, streaming x̂_0 previews and every stage's output to the
 * callbacks. The sample loop yields to the event loop after every step, so the `signal` (the
 * Cancel button, through the worker's 'cancel' message) is seen within one step.
 */
export async function runSampling(cascade: Cascade, settings: SampleSettings, callbacks: SamplingCallbacks = {}): Promise<SamplingRun> {
  const outputs: Promise<StageOutput>[] = [];
  let previewPending = false;
  const classLabels = settings.classLabel === undefined ? undefined : Array.from({ length: settings.count }, () => settings.classLabel!);
  const { images } = await cascade.sample({
    ...(classLabels === undefined ? { count: settings.count } : { classLabels }),
    seed: settings.seed,
    stages: settings.stages,
    ...(callbacks.signal === undefined ? {} : { signal: callbacks.signal }),
    onProgress: ({ stage, stageName, step, totalSteps, predX0 }) => {
      callbacks.onStep?.({ stage, step, totalSteps });
      if (callbacks.onPreview === undefined || previewPending) return;
      previewPending = true;
      readBatch(predX0)
        .then((batch) => callbacks.onPreview!({ stage, stageName, step, totalSteps, images: batch }))
        .catch(() => undefined) // a preview lost to a cancelled run is not an error
        .finally(() => (previewPending = false));
    },
    onStage: (stage, tensor, milliseconds) => {
      const stageName = cascade.stages[stage]!.name;
      const output = readBatch(tensor).then((batch) => {
        const result = { stage, stageName, images: batch, milliseconds };
        callbacks.onStage?.(result);
        return result;
      });
      output.catch(() => undefined); // awaited below; avoid an unhandled rejection in between
      outputs.push(output);
    },
  });
  images.dispose();
  const stages = await Promise.all(outputs);
  return { stages, timings: stages.map((s) => s.milliseconds) };
}

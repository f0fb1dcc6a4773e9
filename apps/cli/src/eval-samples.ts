import * as tf from '@tensorflow/tfjs-core';
import { errors } from '@cdm/core';
import type { Cascade, StageSampleParams } from '@cdm/cascade';
import type { CommandContext } from './context';
import type { Handover, HandoverProvenance } from './handover-file';
import { deferredReads } from './deferred-reads';
import { withFlagNames } from './stage-sample-flags';

export interface EvalSamplesOptions {
  readonly cascade: Cascade;
  readonly params: readonly StageSampleParams[];
  /** How many images, and the class of each (undefined for an unconditional cascade). */
  readonly n: number;
  readonly labels: readonly number[] | undefined;
  readonly batch: number;
  readonly seed: number;
  /** Start the last stage from these saved hand-over images instead of sampling the stages below it. */
  readonly from?: { readonly handover: Handover; readonly flag: string; readonly path: string };
  /** Also record what the stage below the last one hands over: its samples and its states at these levels. */
  readonly record?: { readonly levels: readonly number[]; readonly cascadePath: string };
  readonly signal?: AbortSignal;
}

export interface EvalSamples {
  /** n × resolution² × channels values of the last stage, NHWC in [−1, 1]. */
  readonly images: Float32Array;
  readonly seconds: number;
  /** The hand-over level the last stage started from, with `from`. */
  readonly level?: number;
  /** What `record` asked for. */
  readonly recorded?: Handover;
  /**
   * What the last stage was handed, clean (level 0), n × low² × channels, NHWC in [−1, 1]: the saved
   * hand-over's level 0 with `from`, else the final images of the stage below. Undefined for a
   * one-stage cascade, or when neither is there (a truncated hand-over sampled in full never reaches level 0).
   */
  readonly inputs?: Float32Array;
}

/**
 * Samples `n` images from a cascade in batches of `batch`, with a progress bar. Image i depends only
 * on (seed, i) (each batch starts at `firstIndex` = its first image), so these are the images
 * `cdm sample --seed` gives with the same classes and settings, whatever the batch size. With `from`, only the last stage runs, conditioned on the saved hand-over; its noise
 * is the noise the full run would draw, since each stage has a seed of its own.
 */
export async function sampleForEval(ctx: CommandContext, options: EvalSamplesOptions): Promise<EvalSamples> {
  const { cascade, params, n, labels, batch, seed, from, record, signal } = options;
  const last = cascade.stages.length - 1;
  const final = cascade.stages[last]!;
  const pixels = final.resolution * final.resolution * final.channels;
  const start = from === undefined ? undefined : handoverLevel(cascade, params, from, n);
  const recorder = record === undefined ? undefined : handoverRecorder(cascade, params, n, record.levels);
  const lowPixels = last < 1 ? 0 : cascade.stages[last - 1]!.resolution ** 2 * cascade.stages[last - 1]!.channels;
  const savedClean = from?.handover.levels.get(0);
  let inputs: Float32Array | undefined = last < 1 ? undefined : savedClean !== undefined ? savedClean.subarray(0, n * lowPixels) : new Float32Array(n * lowPixels);
  let inputsSeen = 0;
  const reads = deferredReads(); // onProgress is synchronous; webgpu in Node has asynchronous reads only

  const images = new Float32Array(n * pixels);
  const started = performance.now();
  const task = ctx.progress.start(`sampling ${final.resolution}×${final.resolution}${start === undefined ? '' : ` from ${from!.path} (level ${start.level})`}`, n, { unit: 'images' });
  try {
    for (let offset = 0; offset < n; offset += batch) {
      const size = Math.min(batch, n - offset);
      const handoverImages = start === undefined ? undefined : tf.tensor4d(start.images.subarray(offset * start.size, (offset + size) * start.size), [size, ...from!.handover.imageShape]);
      try {
        const result = await withFlagNames(() => cascade.sample({
          ...(labels === undefined ? { count: size } : { classLabels: labels.slice(offset, offset + size) }),
          seed,
          firstIndex: offset,
          stages: params,
          ...(handoverImages === undefined ? {} : { handover: { stage: last, images: handoverImages, level: start!.level } }),
          ...(start !== undefined || last < 1
            ? {}
            : {
                onProgress: (e) => {
                  if (e.stage !== last - 1) return;
                  recorder?.onState(e.level, e.state, offset, reads);
                  if (e.level === 0 && inputs !== undefined) {
                    reads.copy(e.state, inputs, offset * lowPixels);
                    inputsSeen += size;
                  }
                },
              }),
          ...(signal === undefined ? {} : { signal }),
        }));
        images.set(await result.images.data(), offset * pixels);
        result.images.dispose();
        await reads.flush();
      } finally {
        handoverImages?.dispose();
      }
      recorder?.checkAllSeen();
      task.update(offset + size);
    }
  } finally {
    task.done();
  }
  const seconds = (performance.now() - started) / 1000;
  if (start !== undefined && savedClean === undefined) inputs = undefined;
  if (start === undefined && inputsSeen !== n) inputs = undefined;
  const recorded = recorder === undefined ? undefined : recorder.finish({
    cascade: record!.cascadePath,
    stages: cascade.stages.slice(0, last).map((s, i) => ({ name: s.name, resolution: s.resolution, params: params[i]! })),
    seed,
    batch,
    seconds,
  }, labels);
  return {
    images,
    seconds,
    ...(start === undefined ? {} : { level: start.level }),
    ...(recorded === undefined ? {} : { recorded }),
    ...(inputs === undefined ? {} : { inputs }),
  };
}

/** The saved images at the level the last stage wants (0, or s for a truncated hand-over at s), checked against the cascade. */
function handoverLevel(cascade: Cascade, params: readonly StageSampleParams[], from: NonNullable<EvalSamplesOptions['from']>, n: number) {
  const { handover, flag, path } = from;
  const last = cascade.stages.length - 1;
  const stage = cascade.stages[last]!;
  if (last < 1) throw errors.invalidArgument(flag, 'a cascade with a super-resolution stage to start from the hand-over', `${path} with a one-stage cascade`);
  const low = stage.superResolution!.lowResolution;
  const expected = [low, low, stage.channels];
  if (handover.imageShape.some((d, i) => d !== expected[i])) {
    throw errors.invalidArgument(flag, `hand-over images of ${expected.join('×')} for stage "${stage.name}"`, `${path} with ${handover.imageShape.join('×')}`);
  }
  if (handover.count < n) throw errors.invalidArgument(flag, `at least --n (${n}) images`, `${path} with ${handover.count}`);
  const level = params[last]!.truncate ? params[last]!.augLevel! : 0;
  const images = handover.levels.get(level);
  if (images === undefined) {
    throw errors.invalidArgument(
      flag,
      `images at level ${level} for ${level === 0 ? 'the clean hand-over' : `a truncated hand-over at s = ${level}`} (record them with --save-handover --handover-levels ${level})`,
      `${path} with levels ${[...handover.levels.keys()].join(', ')}`,
    );
  }
  return { level, images, size: expected[0]! * expected[1]! * expected[2]! };
}

/** Collects the states of the stage below the last one at the wanted levels, batch by batch. */
function handoverRecorder(cascade: Cascade, params: readonly StageSampleParams[], n: number, extraLevels: readonly number[]) {
  const last = cascade.stages.length - 1;
  if (last < 1) throw errors.invalidArgument('--save-handover', 'a cascade with a super-resolution stage', 'a one-stage cascade');
  if (params[last]!.truncate) {
    throw errors.invalidArgument('--save-handover', 'a run with the clean hand-over (no --truncate): the states for truncated hand-overs are recorded with --handover-levels', '--truncate');
  }
  const below = cascade.stages[last - 1]!;
  const size = below.resolution * below.resolution * below.channels;
  const levels = [...new Set([0, ...extraLevels])].sort((a, b) => a - b);
  const buffers = new Map(levels.map((level) => [level, new Float32Array(n * size)]));
  const seen = new Set<number>();
  const passed = new Set<number>();
  return {
    onState(level: number, state: tf.Tensor4D, offset: number, reads: ReturnType<typeof deferredReads>): void {
      passed.add(level);
      const buffer = buffers.get(level);
      if (buffer === undefined) return;
      reads.copy(state, buffer, offset * size);
      seen.add(level);
    },
    /** After each batch: every wanted level was passed through (else the levels are wrong for this sampler). */
    checkAllSeen(): void {
      const missing = levels.filter((l) => !seen.has(l));
      if (missing.length > 0) {
        const possible = [...passed].filter((l) => l > 0).sort((a, b) => a - b);
        throw errors.invalidArgument('--handover-levels', `levels stage "${below.name}" passes through with these sampling settings (${possible.join(', ')})`, missing.join(','));
      }
      seen.clear();
      passed.clear();
    },
    finish(provenance: HandoverProvenance, labels: readonly number[] | undefined): Handover {
      return {
        count: n,
        labels: labels === undefined ? undefined : Int32Array.from(labels),
        imageShape: [below.resolution, below.resolution, below.channels],
        levels: buffers,
        provenance,
      };
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import {
  checkBatchFits,
  checkSeed,
  errors,
  resizeImages,
  sample,
  samplers as defaultSamplers,
  truncationLevels,
  type DenoiseFn,
  type DenoiserCondition,
  type Registry,
  type Rng,
  type SamplerFactory,
} from '@cdm/core';
import { classifierGuidance } from '../classifier/classifier-guidance';
import { batchedGuidance } from './batched-guidance';
import type { Stage, StageSampleParams } from '../stage/stage';
import { stageBatchRng } from './image-streams';

export interface CascadeProgress {
  readonly stage: number;
  readonly stageName: string;
  readonly step: number;
  readonly totalSteps: number;
  /** The stage's current x̂_0, for previews; valid only during the callback. */
  readonly predX0: tf.Tensor4D;
  /** The stage's state after this step and its level (see core's `SampleProgress`); valid only during the callback. */
  readonly state: tf.Tensor4D;
  readonly level: number;
}

/**
 * Hand-over images to start a cascade part-way: what stage `stage − 1` produced for this batch
 * (level 0), or its state at level s for a truncated hand-over at s. The stages below `stage` are
 * skipped; since each stage draws its noise from its own seed, the result is the one a full run
 * with the same seed would give from the same hand-over.
 */
export interface CascadeHandover {
  readonly stage: number;
  /** [batch, lowRes, lowRes, channels]; not disposed. */
  readonly images: tf.Tensor4D;
  /** The level of `images`: 0 for finished samples (the default), s for a truncated hand-over. */
  readonly level?: number;
}

export interface CascadeSampleOptions {
  /** One class per image (the batch size); for an unconditional cascade, pass `count` instead. */
  readonly classLabels?: readonly number[];
  readonly count?: number;
  /**
   * An integer in 0 … 2^53 − 1. Image k of the call draws its noise from a stream of its own, seeded
   * by (seed, stage, firstIndex + k): the same seed gives the same image i whatever the batch size
   * or the number of images.
   */
  readonly seed: number;
  /**
   * The index of this call's first image among all images sampled with this seed (default 0): split
   * n images into batches with firstIndex 0, B, 2B, … to get exactly the images of one call with n.
   */
  readonly firstIndex?: number;
  /** Per-stage choices, overriding each stage's `defaults` field by field. */
  readonly stages?: readonly StageSampleParams[];
  readonly onProgress?: (event: CascadeProgress) => void;
  /** Called once per finished stage with its output (valid only during the callback). */
  readonly onStage?: (stage: number, images: tf.Tensor4D, milliseconds: number) => void;
  /** Start at a super-resolution stage from given hand-over images instead of sampling the stages below it. */
  readonly handover?: CascadeHandover;
  readonly signal?: AbortSignal;
}

export interface CascadeSampleResult {
  /** The last stage's images, NHWC in [−1, 1]. */
  readonly images: tf.Tensor4D;
  /** Milliseconds per stage. */
  readonly timings: readonly number[];
}

export interface Cascade {
  readonly stages: readonly Stage[];
  sample(options: CascadeSampleOptions): Promise<CascadeSampleResult>;
}

/**
 * A base stage followed by super-resolution stages (Ho et al. 2021). Each super-resolution stage is
 * conditioned on the previous stage's output: corrupted by its augmentation policy at the level the
 * call asks for (at low resolution, the same way it was trained), then upsampled to its resolution.
 */
export function createCascade(stages: readonly Stage[], samplerRegistry: Registry<SamplerFactory> = defaultSamplers): Cascade {
  if (stages.length === 0) throw errors.invalidArgument('stages', 'at least one stage', stages.length);
  stages.forEach((stage, i) => {
    if (i === 0 && stage.superResolution !== undefined) throw errors.invalidArgument(`stages[0] (${stage.name})`, 'a base stage (no lowResolution)', 'a super-resolution stage');
    if (i > 0) {
      const previous = stages[i - 1]!;
      if (stage.superResolution?.lowResolution !== previous.resolution) {
        throw errors.invalidArgument(`stages[${i}] (${stage.name}).lowResolution`, `${previous.resolution}, the resolution of ${previous.name}`, stage.superResolution?.lowResolution);
      }
      if (stage.channels !== previous.channels) throw errors.invalidArgument(`stages[${i}] (${stage.name}).channels`, `${previous.channels}`, stage.channels);
    }
  });
  return { stages, sample: (options) => sampleCascade(stages, samplerRegistry, options) };
}

async function sampleCascade(stages: readonly Stage[], samplerRegistry: Registry<SamplerFactory>, options: CascadeSampleOptions): Promise<CascadeSampleResult> {
  const params = resolveParams(stages, options);
  const batch = options.classLabels?.length ?? options.count;
  if (!Number.isInteger(batch) || batch! < 1) throw errors.invalidArgument('classLabels', 'a non-empty list of class indices (or a positive count)', options.classLabels ?? options.count);
  const last = stages[stages.length - 1]!;
  checkBatchFits(options.classLabels === undefined ? 'count' : 'classLabels.length', batch!, last.resolution, last.channels);
  checkSeed('seed', options.seed);
  const firstIndex = options.firstIndex ?? 0;
  if (!Number.isSafeInteger(firstIndex) || firstIndex < 0 || !Number.isSafeInteger(firstIndex + batch!)) {
    throw errors.invalidArgument('firstIndex', 'a non-negative integer (the index of the first image)', firstIndex);
  }
  const first = checkHandover(stages, params, batch!, options.handover);
  const labels = options.classLabels === undefined ? undefined : tf.tensor1d(Array.from(options.classLabels), 'int32');
  const timings: number[] = [];
  let previous: tf.Tensor4D | undefined = options.handover === undefined ? undefined : options.handover.images.clone();
  try {
    for (let i = first; i < stages.length; i++) {
      const stage = stages[i]!;
      const started = performance.now();
      const rng = stageBatchRng(options.seed, i, firstIndex, batch!); // per image and per stage: independent of the batch and of the other stages' settings
      const next = stages[i + 1];
      const nextParams = params[i + 1];
      const truncateAt = next !== undefined && nextParams?.truncate ? nextParams.augLevel ?? 0 : 0;
      const output = await runStage(stage, i, params[i]!, samplerRegistry, { batch: batch!, labels, previous, rng, truncateAt, options });
      previous?.dispose();
      previous = output;
      const milliseconds = performance.now() - started;
      timings.push(milliseconds);
      options.onStage?.(i, output, milliseconds);
    }
    const images = previous!;
    previous = undefined;
    return { images, timings };
  } finally {
    previous?.dispose();
    labels?.dispose();
  }
}

interface RunContext {
  readonly batch: number;
  readonly labels: tf.Tensor1D | undefined;
  readonly previous: tf.Tensor4D | undefined;
  readonly rng: Rng;
  /** Stop this stage at level s for a truncated hand-over to the next one (0 = run to the end). */
  readonly truncateAt: number;
  readonly options: CascadeSampleOptions;
}

async function runStage(stage: Stage, index: number, params: StageSampleParams, samplerRegistry: Registry<SamplerFactory>, context: RunContext): Promise<tf.Tensor4D> {
  const { batch, labels, previous, rng, truncateAt, options } = context;
  const factory = samplerRegistry.get(params.sampler ?? stage.defaults.sampler);
  const { steps, eta } = params;
  const sampler = factory.create(stage.diffusion, { ...(steps === undefined ? {} : { steps }), ...(eta === undefined ? {} : { eta }) });
  if (truncateAt > 0 && !truncationLevels(sampler).includes(truncateAt)) {
    throw errors.invalidArgument(
      `stages[${index + 1}].augLevel`,
      `a level the previous stage's sampler passes through for a truncated hand-over (e.g. ${truncationLevels(sampler).slice(-6, -1).join(', ')})`,
      truncateAt,
    );
  }
  const owned: tf.Tensor[] = [];
  try {
    const condition: { -readonly [K in keyof DenoiserCondition]: DenoiserCondition[K] } = {};
    if (stage.numClasses !== undefined && labels !== undefined) condition.classLabels = labels;
    if (stage.superResolution !== undefined) {
      const { augmentation, upsample } = stage.superResolution;
      const level = params.augLevel ?? 0;
      const handover = params.truncate ? 'truncated' : 'clean';
      let lowRes = previous!;
      if (augmentation !== undefined) {
        const result = augmentation.sample(previous!, { rng }, { level, handover });
        owned.push(result.image, result.level);
        lowRes = result.image;
        condition.augLevel = result.level;
      }
      const upsampled = resizeImages(lowRes, stage.resolution, stage.resolution, upsample);
      owned.push(upsampled);
      condition.lowRes = upsampled;
    }
    const scale = params.guidanceScale ?? 1;
    const forward: DenoiseFn = (x, t, c) => stage.denoiser.forward(x, t, c);
    let model = forward;
    if (scale !== 1) {
      if (stage.nullClass === undefined || labels === undefined) {
        throw errors.invalidArgument(`stages[${index}].guidanceScale`, `1: stage "${stage.name}" has no null class for classifier-free guidance`, scale);
      }
      if (!Number.isFinite(scale)) throw errors.invalidArgument('guidanceScale', 'a finite number', scale);
      const nullLabels = tf.fill([batch], stage.nullClass, 'int32') as tf.Tensor1D;
      owned.push(nullLabels);
      // The conditional and unconditional passes as one forward of batch 2B (batched-guidance.ts).
      model = batchedGuidance(forward, { scale, nullLabels, predictionChannels: stage.channels });
    }
    const classifierScale = params.classifierScale ?? (stage.classifier === undefined ? 0 : 1);
    let classifier;
    if (classifierScale !== 0) {
      if (stage.classifier === undefined) throw errors.invalidArgument(`stages[${index}].classifierScale`, `0: stage "${stage.name}" has no classifier`, classifierScale);
      if (options.classLabels === undefined) throw errors.invalidArgument(`stages[${index}].classifierScale`, '0 when sampling without classLabels (guidance needs a class per image)', classifierScale);
      classifier = classifierGuidance(stage.classifier, options.classLabels, classifierScale);
    }
    const { sample: images } = await sample({
      sampler,
      model,
      shape: [batch, stage.resolution, stage.resolution, stage.channels],
      rng,
      condition,
      ...(classifier === undefined ? {} : { classifier }),
      ...(truncateAt > 0 ? { truncateAt } : {}),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onProgress === undefined
        ? {}
        : {
            onProgress: (e) =>
              options.onProgress!({ stage: index, stageName: stage.name, step: e.step, totalSteps: e.totalSteps, predX0: e.predX0, state: e.state, level: e.level }),
          }),
    });
    return images;
  } finally {
    tf.dispose(owned);
  }
}

/** The index of the first stage to run: 0, or the hand-over's stage once its images fit it. */
function checkHandover(stages: readonly Stage[], params: readonly StageSampleParams[], batch: number, handover: CascadeHandover | undefined): number {
  if (handover === undefined) return 0;
  const { stage: index, images } = handover;
  if (!Number.isInteger(index) || index < 1 || index >= stages.length) {
    throw errors.invalidArgument('handover.stage', `a super-resolution stage index in 1…${stages.length - 1}`, index);
  }
  const stage = stages[index]!;
  const low = stage.superResolution!.lowResolution;
  const expected = [batch, low, low, stage.channels];
  if (images.shape.some((d, i) => d !== expected[i])) throw errors.shapeMismatch('handover.images', `[${expected.join(', ')}]`, images.shape);
  const level = handover.level ?? 0;
  const wanted = params[index]!.truncate ? params[index]!.augLevel! : 0;
  if (level !== wanted) {
    throw errors.invalidArgument(
      'handover.level',
      wanted === 0
        ? `0: stage "${stage.name}" takes a clean hand-over; pass truncate with augLevel ${level} to use a state at level ${level}`
        : `${wanted}, the level stage "${stage.name}" truncates at; pass the state at that level`,
      level,
    );
  }
  return index;
}

function resolveParams(stages: readonly Stage[], options: CascadeSampleOptions): StageSampleParams[] {
  const given = options.stages ?? [];
  if (given.length > stages.length) throw errors.invalidArgument('stages', `at most ${stages.length} entries (one per stage)`, given.length);
  return stages.map((stage, i) => {
    const params: StageSampleParams = { ...stage.defaults, ...given[i] };
    if (i === 0 && (params.augLevel !== undefined || params.truncate !== undefined)) {
      throw errors.invalidArgument('stages[0]', 'no augLevel/truncate: the base stage has no conditioning image', params.augLevel ?? params.truncate);
    }
    const { classifierScale } = params;
    if (classifierScale !== undefined && (typeof classifierScale !== 'number' || !Number.isFinite(classifierScale) || classifierScale < 0)) {
      throw errors.invalidArgument(`stages[${i}].classifierScale`, 'a finite number ≥ 0', classifierScale);
    }
    if (params.augLevel !== undefined && (!Number.isInteger(params.augLevel) || params.augLevel < 0)) {
      throw errors.invalidArgument(`stages[${i}].augLevel`, 'a non-negative integer', params.augLevel);
    }
    if (params.truncate && !((params.augLevel ?? 0) > 0)) throw errors.invalidArgument(`stages[${i}].truncate`, 'an augLevel > 0 to truncate at', params.augLevel);
    if (params.truncate && stage.superResolution?.augmentation === undefined) {
      throw errors.invalidArgument(`stages[${i}].truncate`, `false: stage "${stage.name}" has no augmentation policy`, params.truncate);
    }
    return params;
  });
}

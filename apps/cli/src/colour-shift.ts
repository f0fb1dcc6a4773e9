import { Z_95 } from '@cdm/cascade/eval';
import { errors, resamplingMatrix, type ResizeMethod } from '@cdm/core';

/** Images in NHWC order, values in [−1, 1]. */
export interface ImageSet {
  readonly images: Float32Array;
  readonly count: number;
  readonly resolution: number;
  readonly channels: number;
}

/**
 * How far a super-resolution stage moves the colours of what it was handed, per channel, in 8-bit
 * levels (0…255): for each sample, the mean of its output minus the mean of its input upsampled the
 * way the stage upsamples it, averaged over the samples.
 */
export interface ColourShift {
  /** The signed mean shift of each channel (output − upsampled input), with a 95 % interval (normal approximation over the samples). */
  readonly channels: readonly { readonly shift: number; readonly low: number; readonly high: number; readonly std: number }[];
  /** The mean over samples of the largest absolute per-channel shift of each sample. */
  readonly meanAbsMax: number;
  readonly samples: number;
  readonly upsample: ResizeMethod;
  readonly unit: '8-bit levels';
}

/** 8-bit levels per unit of the [−1, 1] range. */
const LEVELS = 127.5;

/**
 * The weight of each input row (or column) in the mean of the upsampled image: the column sums of the
 * resampling matrix over the output size. The mean of an upsampled image is Σᵢⱼ uᵢ·x[i, j]·uⱼ, exactly,
 * since resampling is separable and linear.
 */
function meanWeights(low: number, high: number, method: ResizeMethod): Float64Array {
  const m = resamplingMatrix(low, high, method);
  const u = new Float64Array(low);
  for (let o = 0; o < high; o++) for (let i = 0; i < low; i++) u[i]! += m[o * low + i]! / high;
  return u;
}

/** Per-sample, per-channel means of the output and of the input as the stage upsamples it, then their differences summarised. */
export function colourShift(output: ImageSet, input: ImageSet, upsample: ResizeMethod): ColourShift {
  if (output.count !== input.count || output.channels !== input.channels) {
    throw errors.invalidArgument('colourShift', 'an output and an input with the same count and channels', `${output.count}×${output.channels} and ${input.count}×${input.channels}`);
  }
  const { count, channels } = output;
  if (count < 2) throw errors.invalidArgument('colourShift', 'at least 2 samples', count);
  const u = meanWeights(input.resolution, output.resolution, upsample);
  const highPixels = output.resolution * output.resolution;
  const diffs = Array.from({ length: channels }, () => new Float64Array(count));
  let absMax = 0;
  for (let s = 0; s < count; s++) {
    let largest = 0;
    for (let c = 0; c < channels; c++) {
      let out = 0;
      const o0 = s * highPixels * channels;
      for (let p = 0; p < highPixels; p++) out += output.images[o0 + p * channels + c]!;
      out /= highPixels;
      let inp = 0;
      const r = input.resolution;
      const i0 = s * r * r * channels;
      for (let y = 0; y < r; y++) for (let x = 0; x < r; x++) inp += u[y]! * u[x]! * input.images[i0 + (y * r + x) * channels + c]!;
      const d = (out - inp) * LEVELS;
      diffs[c]![s] = d;
      largest = Math.max(largest, Math.abs(d));
    }
    absMax += largest;
  }
  return {
    channels: diffs.map((d) => {
      let mean = 0;
      for (const v of d) mean += v;
      mean /= count;
      let ss = 0;
      for (const v of d) ss += (v - mean) ** 2;
      const std = Math.sqrt(ss / (count - 1));
      const half = (Z_95 * std) / Math.sqrt(count);
      return { shift: mean, low: mean - half, high: mean + half, std };
    }),
    meanAbsMax: absMax / count,
    samples: count,
    upsample,
    unit: '8-bit levels',
  };
}

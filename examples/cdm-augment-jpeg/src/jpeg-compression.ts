import * as tf from '@tensorflow/tfjs-core';
import { errors, type AugmentationPolicy, type AugmentationPolicyFactory } from '@cdm/core';
import { BLOCK, blockDct, inverseBlockDct } from './block-dct';
import { CHROMA_TABLE, LUMA_TABLE, scaledTable } from './quantization-tables';

export interface JpegCompressionOptions {
  /** JPEG quality 1…100, or an integer range [min, max] drawn uniformly per example. Default [30, 90]. */
  readonly quality?: number | readonly [number, number];
  /** Chance that an example is compressed at all. Default 0.5. */
  readonly probability?: number;
}

export interface JpegCompressionPolicy extends AugmentationPolicy {
  readonly name: 'jpeg';
  readonly quality: readonly [number, number];
  readonly probability: number;
}

const POLICY = 'jpeg';
const KNOWN_OPTIONS = ['quality', 'probability'];

/** RGB → YCbCr of JFIF (ITU-R BT.601, full range), on level-shifted values (Cb and Cr centred on 0). */
const RGB_TO_YCBCR = [
  [0.299, -0.168736, 0.5],
  [0.587, -0.331264, -0.418688],
  [0.114, 0.5, -0.081312],
];
/** Its inverse (JFIF's decoding equations), also as a right-multiplied 3×3 matrix. */
const YCBCR_TO_RGB = [
  [1, 1, 1],
  [0, -0.344136, 1.772],
  [1.402, -0.714136, 0],
];

function readOptions(options: unknown): { quality: [number, number]; probability: number } {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw errors.invalidArgument(`${POLICY} options`, `an object with some of: ${KNOWN_OPTIONS.join(', ')}`, options);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) throw errors.invalidArgument(`${POLICY} option "${key}"`, `one of ${KNOWN_OPTIONS.join(', ')}`, key);
  }
  const { quality = [30, 90], probability = 0.5 } = options as Record<string, unknown>;
  const isQuality = (q: unknown): q is number => typeof q === 'number' && Number.isInteger(q) && q >= 1 && q <= 100;
  let range: [number, number];
  if (isQuality(quality)) range = [quality, quality];
  else if (Array.isArray(quality) && quality.length === 2 && isQuality(quality[0]) && isQuality(quality[1]) && quality[0] <= quality[1]) {
    range = [quality[0], quality[1]];
  } else {
    throw errors.invalidArgument(`${POLICY} option quality`, 'an integer in 1…100 or a range [min, max] of them with min ≤ max', quality);
  }
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
    throw errors.invalidArgument(`${POLICY} option probability`, 'a number in [0, 1]', probability);
  }
  return { quality: range, probability };
}

/** Repeats the last row and column until height and width are multiples of 8, as JPEG encoders pad. */
function padToBlocks(x: tf.Tensor4D): tf.Tensor4D {
  const [, height, width] = x.shape;
  const padRows = (BLOCK - (height % BLOCK)) % BLOCK;
  const padColumns = (BLOCK - (width % BLOCK)) % BLOCK;
  let padded = x;
  if (padRows > 0) {
    const lastRow = tf.slice(padded, [0, height - 1, 0, 0], [-1, 1, -1, -1]);
    padded = tf.concat([padded, tf.tile(lastRow, [1, padRows, 1, 1])], 1);
  }
  if (padColumns > 0) {
    const lastColumn = tf.slice(padded, [0, 0, width - 1, 0], [-1, -1, 1, -1]);
    padded = tf.concat([padded, tf.tile(lastColumn, [1, 1, padColumns, 1])], 2);
  }
  return padded;
}

/** x @ M over the channel axis of an NHWC tensor with 3 channels. */
const mixChannels = (x: tf.Tensor4D, matrix: number[][]) =>
  tf.reshape(tf.matMul(tf.reshape(x, [-1, 3]), tf.tensor2d(matrix)), x.shape) as tf.Tensor4D;

/**
 * What a baseline JPEG encoder and decoder do to the images, with one quality per example: 8-bit
 * pixels, RGB → YCbCr (3 channels only; otherwise every channel is coded like luminance), the DCT of
 * each 8×8 block, rounding each coefficient to a multiple of its quantisation-table entry, the
 * inverse DCT, back to RGB, and rounding to 8 bits. Not modelled: chroma subsampling and the
 * rounding of YCbCr to integers before the DCT. Images in [−1, 1] ↔ 8-bit values v = 127.5·(x + 1).
 */
export function jpegRoundTrip(images: tf.Tensor4D, qualities: readonly number[]): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const tables = new Float32Array(batch * channels * 64);
  qualities.forEach((quality, b) => {
    const luma = scaledTable(LUMA_TABLE, quality);
    const chroma = scaledTable(CHROMA_TABLE, quality);
    for (let c = 0; c < channels; c++) tables.set(channels === 3 && c > 0 ? chroma : luma, (b * channels + c) * 64);
  });
  return tf.tidy(() => {
    const pixels = tf.round(tf.mul(tf.clipByValue(tf.add(images, 1), 0, 2), 127.5)); // 8-bit values 0…255
    const shifted = tf.sub(pixels, 128) as tf.Tensor4D; // level shift (T.81 §A.3.1)
    const coded = padToBlocks(channels === 3 ? mixChannels(shifted, RGB_TO_YCBCR) : shifted);
    const [, paddedHeight, paddedWidth] = coded.shape;
    // One single-channel image per (example, channel), so each gets its own table.
    const planes = tf.reshape(tf.transpose(coded, [0, 3, 1, 2]), [batch * channels, paddedHeight, paddedWidth, 1]) as tf.Tensor4D;
    const table = tf.tensor4d(tables, [batch * channels, 1, 1, 64]);
    const quantised = tf.mul(tf.round(tf.div(blockDct(planes), table)), table) as tf.Tensor4D;
    const decoded = tf.transpose(tf.reshape(inverseBlockDct(quantised), [batch, channels, paddedHeight, paddedWidth]), [0, 2, 3, 1]);
    const cropped = tf.slice(decoded, [0, 0, 0, 0], [batch, height, width, channels]) as tf.Tensor4D;
    const rgb = channels === 3 ? mixChannels(cropped, YCBCR_TO_RGB) : cropped;
    const decodedPixels = tf.clipByValue(tf.round(tf.add(rgb, 128)), 0, 255);
    return tf.sub(tf.div(decodedPixels, 127.5), 1) as tf.Tensor4D;
  });
}

/**
 * JPEG compression as conditioning augmentation: during training, each example is compressed with
 * `probability` at a quality drawn uniformly from the `quality` range, so a super-resolution stage
 * learns to ignore blocking and ringing in its conditioning. Draws, per example in order: one
 * `rng.uniform()` (compress when it is < probability) and one `rng.int` for the quality. The level is
 * always 0 (the quality is not embedded). At sampling time the conditioning is handed over
 * unchanged (a copy): the stage below produces clean images, not JPEGs.
 */
export function jpegCompression(options: JpegCompressionOptions = {}): JpegCompressionPolicy {
  const { quality, probability } = readOptions(options);
  const [low, high] = quality;
  const zeros = (batch: number) => tf.zeros([batch], 'float32') as tf.Tensor1D;
  return {
    name: POLICY,
    quality,
    probability,
    train(lowRes, { rng }) {
      const batch = lowRes.shape[0];
      const compressed = new Array<boolean>(batch);
      const qualities = new Array<number>(batch);
      for (let b = 0; b < batch; b++) {
        compressed[b] = rng.uniform() < probability;
        qualities[b] = low + rng.int(high - low + 1);
      }
      if (!compressed.includes(true)) return { image: tf.clone(lowRes), level: zeros(batch) };
      const image = tf.tidy(() => {
        const mask = tf.tensor4d(compressed.map(Number), [batch, 1, 1, 1], 'bool');
        return tf.where(tf.broadcastTo(mask, lowRes.shape), jpegRoundTrip(lowRes, qualities), lowRes) as tf.Tensor4D;
      });
      return { image, level: zeros(batch) };
    },
    sample: (lowRes) => ({ image: tf.clone(lowRes), level: zeros(lowRes.shape[0]) }),
  };
}

/** The factory a `cascade.json` reaches by name: `augmentationPolicies.use(jpegCompressionFactory)`. */
export const jpegCompressionFactory: AugmentationPolicyFactory = {
  name: POLICY,
  create: (options) => jpegCompression(options as JpegCompressionOptions),
};

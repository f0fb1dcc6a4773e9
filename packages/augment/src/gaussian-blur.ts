import * as tf from '@tensorflow/tfjs-core';
import { errors, type AugmentationPolicy, type AugmentationPolicyFactory } from '@cdm/core';
import { gaussianKernel1d } from './gaussian-kernel';
import { numberOption, rangeOption, readOptions } from './options';

export interface GaussianBlurOptions {
  /** σ in pixels, or a range [min, max] to draw σ from uniformly per example. Default [0.4, 0.6]. */
  readonly sigma?: number | readonly [number, number];
  /** Odd kernel width and height. Default 3. */
  readonly kernelSize?: number;
  /** Chance that an example is blurred at all. Default 0.5. */
  readonly probability?: number;
}

export interface GaussianBlurPolicy extends AugmentationPolicy {
  readonly name: 'gaussian-blur';
  readonly sigma: readonly [number, number];
  readonly kernelSize: number;
  readonly probability: number;
}

const POLICY = 'gaussian-blur';

/** Reflected borders need images larger than the kernel's radius. */
function checkSize(images: tf.Tensor4D, size: number): void {
  const radius = (size - 1) / 2;
  if (images.shape[1] <= radius || images.shape[2] <= radius) {
    throw errors.shapeMismatch(`${POLICY} input`, `height and width > ${radius} for kernelSize ${size}`, images.shape);
  }
}

/**
 * Blurs each image with its own separable kernel, as two depthwise convolutions. The batch is
 * folded into the channels ([B, H, W, C] → [1, H, W, B·C]), so one depthwise convolution applies
 * example b's kernel to its C channels. Borders are reflected (no darkening towards 0 at edges).
 * `kernels` holds B kernels of `size` taps, one after another.
 */
export function blurPerExample(images: tf.Tensor4D, kernels: Float32Array, size: number): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const radius = (size - 1) / 2;
  checkSize(images, size);
  const folded = batch * channels;
  const taps = new Float32Array(size * folded); // [size, 1, B·C, 1] and [1, size, B·C, 1] hold the same numbers
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < folded; j++) taps[i * folded + j] = kernels[Math.floor(j / channels) * size + i]!;
  }
  return tf.tidy(() => {
    const x = tf.reshape<tf.Rank.R4>(tf.transpose(images, [1, 2, 0, 3]), [1, height, width, folded]);
    const padded = tf.mirrorPad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], 'reflect');
    const vertical = tf.depthwiseConv2d(padded, tf.tensor4d(taps, [size, 1, folded, 1]), 1, 'valid');
    const blurred = tf.depthwiseConv2d(vertical, tf.tensor4d(taps, [1, size, folded, 1]), 1, 'valid');
    return tf.transpose(tf.reshape(blurred, [height, width, batch, channels]), [2, 0, 1, 3]);
  });
}

/**
 * Gaussian blur conditioning augmentation (Ho et al. 2021, §3), the paper's choice for its
 * high-resolution stages: during training each example is blurred with `probability`, with σ drawn
 * uniformly from the `sigma` range. Draws, per example in order: one `rng.uniform()` (blur when it
 * is < probability) and one `rng.uniform()` for σ. Nothing is embedded: the level is 0.
 * At sampling time the conditioning passes through unchanged (a copy), whatever the level and
 * hand-over: the blur only teaches the model to tolerate an imperfect lower stage.
 */
export function gaussianBlur(options: GaussianBlurOptions = {}): GaussianBlurPolicy {
  const raw = readOptions(POLICY, options, ['sigma', 'kernelSize', 'probability']);
  const sigma = rangeOption(POLICY, 'sigma', raw.sigma ?? [0.4, 0.6], 0, Infinity);
  const kernelSize = raw.kernelSize ?? 3;
  if (typeof kernelSize !== 'number' || !Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw errors.invalidArgument(`${POLICY} option kernelSize`, 'an odd integer ≥ 1', kernelSize);
  }
  const probability = numberOption(POLICY, 'probability', raw.probability ?? 0.5, 0, 1);
  const [low, high] = sigma;

  return {
    name: POLICY,
    sigma,
    kernelSize,
    probability,
    train(lowRes, { rng }) {
      checkSize(lowRes, kernelSize);
      const batch = lowRes.shape[0];
      const kernels = new Float32Array(batch * kernelSize);
      let anyBlurred = false;
      for (let b = 0; b < batch; b++) {
        const blurred = rng.uniform() < probability;
        const s = low + (high - low) * rng.uniform();
        kernels.set(gaussianKernel1d(blurred ? s : 0, kernelSize), b * kernelSize);
        anyBlurred ||= blurred && s > 0;
      }
      const level = tf.zeros([batch], 'float32') as tf.Tensor1D;
      return { image: anyBlurred ? blurPerExample(lowRes, kernels, kernelSize) : tf.clone(lowRes), level };
    },
    sample: (lowRes) => ({ image: tf.clone(lowRes), level: tf.zeros([lowRes.shape[0]], 'float32') as tf.Tensor1D }),
  };
}

/** `'gaussian-blur'` for registries: `create(options)` is `gaussianBlur(options)`. */
export const gaussianBlurFactory: AugmentationPolicyFactory = {
  name: POLICY,
  create: (options) => gaussianBlur(options as GaussianBlurOptions),
};

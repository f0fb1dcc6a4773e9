import * as tf from '@tensorflow/tfjs-core';
import { downsampleArea, errors, resizeImages, type Rng } from '@cdm/core';
import type { Stage } from '../stage/stage';

/** The conditioning a super-resolution stage trains on: `cond.lowRes` and `cond.augLevel`. */
export type LowResCondition = {
  /** The augmented low-resolution image, upsampled to the stage's resolution: [B, H, W, C]. */
  readonly lowRes: tf.Tensor4D;
  /** float32 [B]: the augmentation level of each example (0 without a policy). */
  readonly augLevel: tf.Tensor1D;
};

/**
 * Makes a super-resolution stage's training conditioning from a high-resolution batch (Ho et al.
 * 2021, §3): area-downsample to `lowResolution`, apply the conditioning-augmentation policy's
 * `train` **at the low resolution**, then upsample with the stage's `upsample` method (core's `resizeImages`,
 * exactly what sampling uses).
 *
 * Augmenting before upsampling is deliberate: at sampling time a truncated hand-over (§4.3) gives
 * the stage z_s at the previous stage's resolution, i.e. noise that is i.i.d. at the low resolution
 * and then upsampled. Training on the same order makes the clean and truncated hand-overs see the
 * distribution they were trained on, and blur acts on the low-resolution image as in the paper.
 * Cascaded sampling does the same: `policy.sample` at the low resolution, then `resizeImages`.
 */
export function lowResCondition(stage: Stage, images: tf.Tensor4D, rng: Rng): LowResCondition {
  const sr = stage.superResolution;
  if (sr === undefined) throw errors.invalidArgument('stage', 'a super-resolution stage (with lowResolution)', stage.name);
  const small = downsampleArea(images, sr.lowResolution);
  try {
    if (sr.augmentation === undefined) {
      return { lowRes: resizeImages(small, stage.resolution, stage.resolution, sr.upsample), augLevel: tf.zeros([images.shape[0]]) as tf.Tensor1D };
    }
    let augmented;
    try {
      augmented = sr.augmentation.train(small, { rng });
    } catch (error) {
      throw errors.pluginFailed('augmentation policy', sr.augmentation.name, 'train', error);
    }
    try {
      if (augmented.image.shape.some((d, i) => d !== small.shape[i])) {
        throw errors.shapeMismatch(`augmentation policy "${sr.augmentation.name}": train().image`, `[${small.shape.join(', ')}]`, augmented.image.shape);
      }
      return { lowRes: resizeImages(augmented.image, stage.resolution, stage.resolution, sr.upsample), augLevel: tf.cast(augmented.level, 'float32') };
    } finally {
      tf.dispose([augmented.image, augmented.level]);
    }
  } finally {
    small.dispose();
  }
}

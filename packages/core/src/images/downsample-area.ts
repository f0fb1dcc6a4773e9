import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';

/**
 * Area (box) downsampling of NHWC images to `size`² by an integer factor: each output pixel is the
 * mean of a factor × factor block. This is how a super-resolution stage's low-resolution inputs are
 * made from its training images. Always returns a new tensor.
 */
export function downsampleArea(images: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, height, width] = images.shape;
  const factor = height / size;
  if (!Number.isInteger(factor) || factor < 1 || width / size !== factor) {
    throw errors.invalidArgument('size', `a size that divides ${height}×${width} by an integer factor`, size);
  }
  return factor === 1 ? tf.clone(images) : tf.avgPool(images, factor, factor, 'valid');
}

import * as tf from '@tensorflow/tfjs-core';
import { errors } from '@cdm/core';
import type { Upsampler } from './stage';

/** Keys' cubic convolution kernel with parameter a (PyTorch uses −0.75, PIL −0.5). */
function cubic(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/**
 * The [to, from] matrix that resamples one axis as `torch.nn.functional.interpolate` does with
 * align_corners=False: output pixel i samples input coordinate (i + ½)·from/to − ½, with taps
 * clamped at the border (linear: 2 taps, source coordinate clamped at 0; cubic: 4 taps, a = −0.75).
 */
export function resampleMatrix(from: number, to: number, method: Upsampler): Float32Array {
  const matrix = new Float32Array(to * from);
  const scale = from / to;
  for (let i = 0; i < to; i++) {
    let source = (i + 0.5) * scale - 0.5;
    if (method === 'bilinear') {
      source = Math.max(source, 0);
      const left = Math.floor(source);
      const fraction = source - left;
      matrix[i * from + Math.min(left, from - 1)]! += 1 - fraction;
      matrix[i * from + Math.min(left + 1, from - 1)]! += fraction;
    } else {
      const left = Math.floor(source);
      const fraction = source - left;
      for (let k = -1; k <= 2; k++) {
        const index = Math.min(Math.max(left + k, 0), from - 1);
        matrix[i * from + index]! += cubic(k - fraction, -0.75);
      }
    }
  }
  return matrix;
}

/**
 * Resizes NHWC images to `size`² with separable resampling matrices (two plain 2-D matmuls, fast on
 * every backend and identical in semantics to PyTorch's bilinear/bicubic interpolation).
 */
export function upsampleImages(images: tf.Tensor4D, size: number, method: Upsampler): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  if (!Number.isInteger(size) || size < 1) throw errors.invalidArgument('size', 'a positive integer', size);
  if (method !== 'bilinear' && method !== 'bicubic') throw errors.invalidArgument('method', "'bilinear' or 'bicubic'", method);
  return tf.tidy(() => {
    const rows = tf.tensor2d(resampleMatrix(height, size, method), [size, height]);
    const cols = tf.tensor2d(resampleMatrix(width, size, method), [size, width]);
    // Rows: [H, B·W·C] → [size, B·W·C].
    const byRow = tf.reshape(tf.transpose(images, [1, 0, 2, 3]), [height, batch * width * channels]);
    const resizedRows = tf.reshape(tf.matMul(rows, byRow), [size, batch, width, channels]);
    // Columns: [W, B·size·C] → [size, B·size·C].
    const byColumn = tf.reshape(tf.transpose(resizedRows, [2, 1, 0, 3]), [width, batch * size * channels]);
    const resized = tf.reshape(tf.matMul(cols, byColumn), [size, batch, size, channels]);
    return tf.transpose(resized, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Area (box) downsampling by an integer factor: what a super-resolution stage trains on. */
export function downsampleArea(images: tf.Tensor4D, size: number): tf.Tensor4D {
  const [, height, width] = images.shape;
  const factor = height / size;
  if (!Number.isInteger(factor) || factor < 1 || width / size !== factor) {
    throw errors.invalidArgument('size', `a size that divides ${height}×${width} by an integer factor`, size);
  }
  return factor === 1 ? images.clone() : tf.avgPool(images, factor, factor, 'valid');
}

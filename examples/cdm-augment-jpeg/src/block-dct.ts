import * as tf from '@tensorflow/tfjs-core';

/** JPEG works on 8×8 blocks. */
export const BLOCK = 8;

/**
 * The 64 basis images of the orthonormal 8×8 DCT-II (JPEG, ITU T.81 §A.3.3), as a conv2d filter
 * [8, 8, 1, 64]: filter[i, j, 0, 8u + v] = c(u)·c(v)·cos((2i + 1)uπ/16)·cos((2j + 1)vπ/16), with
 * c(0) = √(1/8) and c(u > 0) = √(2/8). Coefficient 8u + v pairs with row frequency u and column
 * frequency v, the order of the quantisation tables.
 */
export function dctBasis(): Float32Array {
  const c = (u: number) => Math.sqrt((u === 0 ? 1 : 2) / BLOCK);
  const filter = new Float32Array(BLOCK * BLOCK * BLOCK * BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    for (let j = 0; j < BLOCK; j++) {
      for (let u = 0; u < BLOCK; u++) {
        for (let v = 0; v < BLOCK; v++) {
          const value = c(u) * c(v) * Math.cos(((2 * i + 1) * u * Math.PI) / 16) * Math.cos(((2 * j + 1) * v * Math.PI) / 16);
          filter[(i * BLOCK + j) * 64 + u * BLOCK + v] = value;
        }
      }
    }
  }
  return filter;
}

/**
 * The DCT of every 8×8 block: [N, H, W, 1] → [N, H/8, W/8, 64]. A stride-8 convolution with the
 * basis is exactly one 64×64 matrix product per block, run on the tensor backend.
 * H and W must be multiples of 8.
 */
export function blockDct(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(images, tf.tensor4d(dctBasis(), [BLOCK, BLOCK, 1, 64]), BLOCK, 'valid'));
}

/** The inverse of `blockDct`: the basis is orthonormal, so the inverse is the transposed convolution. */
export function inverseBlockDct(coefficients: tf.Tensor4D): tf.Tensor4D {
  const [n, rows, columns] = coefficients.shape;
  return tf.tidy(() =>
    tf.conv2dTranspose(coefficients, tf.tensor4d(dctBasis(), [BLOCK, BLOCK, 1, 64]), [n, rows * BLOCK, columns * BLOCK, 1], BLOCK, 'valid'),
  );
}

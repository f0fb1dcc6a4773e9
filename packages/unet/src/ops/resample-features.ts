import * as tf from '@tensorflow/tfjs-core';

/**
 * Nearest-neighbour ×2 upsampling of NHWC features (the reference's `F.interpolate(scale_factor=2,
 * mode="nearest")`), built from concat + reshape rather than ResizeNearestNeighbor, whose cpu
 * gradient kernel is wrong for batches > 1 in tfjs 4.22.
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const wide = tf.reshape(tf.concat([x, x], 3), [b, h, 1, 2 * w * c]); // each pixel twice along W
  return tf.reshape(tf.concat([wide, wide], 2), [b, 2 * h, 2 * w, c]); // each row twice
}

/**
 * 2×2 average pooling with stride 2 (the reference's `avg_pool_nd`), as reshape + sums so the
 * gradient needs no pooling kernel.
 */
export function avgPool2x(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const rows = tf.sum(tf.reshape(x, [b * (h / 2), 2, w / 2, 2 * c]), 1); // [B·H/2, W/2, 2C]
  const cols = tf.sum(tf.reshape(rows, [b * (h / 2), w / 2, 2, c]), 2); // [B·H/2, W/2, C]
  return tf.reshape(tf.mul(cols, 0.25), [b, h / 2, w / 2, c]);
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * A 2-D convolution with PyTorch's symmetric zero padding (`padding = k // 2`), which differs from
 * tfjs' 'same' for stride 2 (that pads only after). Kernel HWIO, bias [out].
 */
export function conv2d(x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor, stride: 1 | 2 = 1): tf.Tensor4D {
  const k = kernel.shape[0]!;
  const p = Math.floor(k / 2);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
  const y = tf.conv2d(x, kernel as tf.Tensor4D, stride, k === 1 ? 'valid' : pad);
  return tf.add(y, bias);
}

/** x [B, in] · W [in, out] + b. */
export function dense(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(x, weight as tf.Tensor2D), bias);
}

import * as tf from '@tensorflow/tfjs-core';
import { add } from './add';

/**
 * A 2-D convolution with PyTorch's symmetric zero padding (`padding = k // 2`), which differs from
 * tfjs' 'same' for stride 2 (that pads only after). Kernel HWIO, bias [out]. With `fuseBias` the
 * bias goes in with the convolution (`tf.fused.conv2d`: one kernel, and on @cdm/backend-node's
 * native kernels the same numbers as a separate Add); the inference path uses it. Training keeps
 * a separate addition (./add.ts, whose gradient saves nothing; the fused op's saves its output).
 */
export function conv2d(x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor, stride: 1 | 2 = 1, fuseBias = false): tf.Tensor4D {
  const k = kernel.shape[0]!;
  const p = Math.floor(k / 2);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
  if (fuseBias) return tf.fused.conv2d({ x, filter: kernel as tf.Tensor4D, strides: stride, pad: k === 1 ? 'valid' : pad, bias });
  const y = tf.conv2d(x, kernel as tf.Tensor4D, stride, k === 1 ? 'valid' : pad);
  return add(y, bias);
}

/** x [B, in] · W [in, out] + b. */
export function dense(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return add(tf.matMul(x, weight as tf.Tensor2D), bias);
}

import * as tf from '@tensorflow/tfjs-core';
import { compose, cropNegativePadding, padOrCrop, type KernelBackendLike, type RunKernel } from './compose';

/**
 * Conv2DBackpropInput for tfjs-wasm as one forward (XNNPACK) convolution, replacing the shipped
 * scalar loop:
 *
 *   ∂L/∂x[n, h, w, ci] = Σ_{kh, kw, co} dy↑[n, h + pad − kh, w + pad − kw, co] · W[kh, kw, ci, co]
 *
 * where dy↑ is dy with (stride − 1) zeros inserted after every row and column. That is a stride-1
 * convolution of dy↑ with W flipped in both spatial axes and with its channel axes swapped
 * ([KH, KW, C_out, C_in]), padded by KH − 1 − pad before and whatever makes H outputs after.
 */
export function conv2dBackpropInput(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      if (tf.backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
        throw new Error(`Conv2DBackpropInput on ${backendName} supports only NHWC`);
      }
      const filterShape = filter.shape as [number, number, number, number];
      const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode);
      return compose(backend as unknown as KernelBackendLike, backendName, (run) => {
        const upsampled = insertZeros(run, dy, info.strideHeight, info.strideWidth); // [N, OH·sh, OW·sw, C_out]
        const [, upH, upW] = upsampled.shape as [number, number, number, number];
        const rows = padOrCrop(upH, info.filterHeight, info.inHeight, info.filterHeight - 1 - info.padInfo.top);
        const cols = padOrCrop(upW, info.filterWidth, info.inWidth, info.filterWidth - 1 - info.padInfo.left);
        const { x: input, pad: explicit } = cropNegativePadding(run, upsampled, { top: rows.before, bottom: rows.after, left: cols.before, right: cols.after });
        const flipped = run('Reverse', { x: filter }, { dims: [0, 1] });
        const swapped = run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] }); // [KH, KW, C_out, C_in]
        return run('Conv2D', { x: input, filter: swapped }, { strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: [1, 1] });
      });
    },
  };
}

/** dy [N, OH, OW, C] → [N, OH·sh, OW·sw, C] with each value followed by zeros (a pad on a 6-D view). */
function insertZeros(run: RunKernel, dy: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape as [number, number, number, number];
  const view = run('Reshape', { x: dy }, { shape: [n, oh, 1, ow, 1, c] });
  const padded = run('PadV2', { x: view }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return run('Reshape', { x: padded }, { shape: [n, oh * sh, ow * sw, c] });
}

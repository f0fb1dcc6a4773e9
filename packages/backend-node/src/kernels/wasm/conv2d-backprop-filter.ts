import * as tf from '@tensorflow/tfjs-core';
import { compose, cropNegativePadding, padOrCrop, type KernelBackendLike } from './compose';

/**
 * Conv2DBackpropFilter for tfjs-wasm, which lacks it, as one forward (XNNPACK) convolution:
 *
 *   ∂L/∂W[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[n, oh, ow, co]
 *
 * is a convolution of x seen as [C_in, H, W, N] (batch ↔ channels) with dy seen as a filter
 * [OH, OW, N, C_out], stride 1 and dilation = the forward stride; its [C_in, KH, KW, C_out] output is
 * transposed back to [KH, KW, C_in, C_out]. Padding after the image is chosen so that exactly KH × KW
 * outputs come out (negative: crop x).
 */
export function conv2dBackpropFilter(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as tf.Conv2DBackpropFilterInputs & { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (tf.backend_util.convertConv2DDataFormat(dataFormat) !== 'channelsLast') {
        throw new Error(`Conv2DBackpropFilter on ${backendName} supports only NHWC`);
      }
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
      return compose(backend as unknown as KernelBackendLike, backendName, (run) => {
        const rows = padOrCrop(info.inHeight, (info.outHeight - 1) * info.strideHeight + 1, info.filterHeight, info.padInfo.top);
        const cols = padOrCrop(info.inWidth, (info.outWidth - 1) * info.strideWidth + 1, info.filterWidth, info.padInfo.left);
        const xT = run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [C_in, H, W, N]
        const { x: input, pad: explicit } = cropNegativePadding(run, xT, { top: rows.before, bottom: rows.after, left: cols.before, right: cols.after });
        const dyFilter = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, N, C_out]
        const grad = run(
          'Conv2D',
          { x: input, filter: dyFilter },
          { strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] },
        ); // [C_in, KH, KW, C_out]
        return run('Transpose', { x: grad }, { perm: [1, 2, 0, 3] });
      });
    },
  };
}

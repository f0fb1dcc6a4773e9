import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { nativeConvGeometry } from './conv-geometry';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * Conv2DBackpropFilter for tfjs-wasm on the native kernels:
 *
 *   ∂L/∂W[kh, kw, ci, co] = Σ_{n, oy, ox} x[n, oy·s + kh − pad, ox·s + kw − pad, ci] · dy[n, oy, ox, co],
 *
 * the transposed patch matrix times dy, a chunk of output pixels at a time; each thread sums its
 * pixels into its own buffer and the buffers are added at the end.
 */
export function nativeConv2dBackpropFilter(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const { geometry } = nativeConvGeometry(x.shape, filterShape, attrs as unknown as tf.Conv2DBackpropFilterAttrs);
      const heap = backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput([...filterShape], 'float32');
      addon.conv2dBackpropFilter(heapView(heap, x, 'x'), heapView(heap, dy, 'dy'), heapView(heap, out, 'dw'), geometry, threads);
      return out;
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { nativeConvGeometry } from './conv-geometry';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * Conv2DBackpropInput for tfjs-wasm on the native kernels:
 *
 *   ∂L/∂x[n, iy, ix, ci] = Σ_{kh, kw, co} dy[n, oy, ox, co] · W[kh, kw, ci, co],  iy = oy·s + kh − pad,
 *
 * for each input pixel the dy rows its taps read are gathered (zero where no output pixel reads
 * it, as for stride 2) and multiplied by W rearranged to [KH·KW·C_out, C_in].
 */
export function nativeConv2dBackpropInput(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const { inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const { geometry } = nativeConvGeometry(inputShape, filter.shape, attrs as unknown as tf.Conv2DBackpropInputAttrs);
      const heap = backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput([...inputShape], 'float32');
      addon.conv2dBackpropInput(heapView(heap, dy, 'dy'), heapView(heap, filter, 'filter'), heapView(heap, out, 'dx'), geometry, threads);
      return out;
    },
  };
}

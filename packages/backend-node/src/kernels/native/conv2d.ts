import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { nativeConvGeometry } from './conv-geometry';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * Conv2D for tfjs-wasm on the native kernels: patches of the input gathered a chunk of output
 * pixels at a time and multiplied by the [KH·KW·C_in, C_out] filter (packed SGEMM), rows split
 * over `threads`. Reads and writes the WASM heap in place.
 */
export function nativeConv2d(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: tf.Conv2D,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, filter } = inputs as unknown as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const { info, geometry } = nativeConvGeometry(x.shape, filter.shape, attrs as unknown as tf.Conv2DAttrs);
      const heap = backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput(info.outShape, 'float32');
      addon.conv2d(heapView(heap, x, 'x'), heapView(heap, filter, 'filter'), heapView(heap, out, 'y'), geometry, threads);
      return out;
    },
  };
}

import type * as tf from '@tensorflow/tfjs-core';
import { DROPOUT_KERNEL, type DropoutAttrs } from '@cdm/core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/** `CdmDropout` (the @cdm/core contract) for tfjs-wasm on the native addon: the Philox mask drawn and applied in one pass. */
export function nativeDropout(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: DROPOUT_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as unknown as { x: tf.TensorInfo };
      const { key0, key1, threshold, scale } = attrs as unknown as DropoutAttrs;
      const heap = backend as unknown as WasmHeapBackend;
      const y = heap.makeOutput([...x.shape], 'float32');
      addon.dropout(heapView(heap, x, 'x'), heapView(heap, y, 'y'), key0, key1, threshold, scale, threads);
      return y;
    },
  };
}

import type * as tf from '@tensorflow/tfjs-core';
import { SILU_GRAD_KERNEL, SILU_KERNEL } from '@cdm/core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/** `CdmSilu` (the @cdm/core contract) for tfjs-wasm on the native addon: x·σ(x) in one pass. */
export function nativeSilu(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: SILU_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as unknown as { x: tf.TensorInfo };
      const heap = backend as unknown as WasmHeapBackend;
      const y = heap.makeOutput([...x.shape], 'float32');
      addon.silu(heapView(heap, x, 'x'), heapView(heap, y, 'y'), threads);
      return y;
    },
  };
}

/** `CdmSiluGrad` for tfjs-wasm on the native addon: dy·σ(x)·(1 + x·(1 − σ(x))) in one pass. */
export function nativeSiluGrad(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: SILU_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as unknown as { dy: tf.TensorInfo; x: tf.TensorInfo };
      if (dy.shape.join() !== x.shape.join()) throw new Error(`${SILU_GRAD_KERNEL}: dy [${dy.shape}] and x [${x.shape}] must have one shape`);
      const heap = backend as unknown as WasmHeapBackend;
      const dx = heap.makeOutput([...x.shape], 'float32');
      addon.siluGrad(heapView(heap, dy, 'dy'), heapView(heap, x, 'x'), heapView(heap, dx, 'dx'), threads);
      return dx;
    },
  };
}

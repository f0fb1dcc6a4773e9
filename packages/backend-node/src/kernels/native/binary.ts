import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/** The element-wise kernels the native addon computes, with its op codes (native/src/elementwise.h). */
export const NATIVE_BINARY_OPS = {
  [tf.Add]: 0,
  [tf.Sub]: 1,
  [tf.Multiply]: 2,
  [tf.RealDiv]: 3,
  [tf.SquaredDifference]: 4,
} as const;

/**
 * One of Add, Sub, Multiply, RealDiv, SquaredDifference for tfjs-wasm on the native addon: NumPy
 * broadcasting with merged dimensions, so a broadcast operand costs no index arithmetic per
 * element, split over `threads` for large outputs. Operands other than two float32 tensors go to
 * `fallback` (the kernel this one replaced).
 */
export function nativeBinary(kernelName: keyof typeof NATIVE_BINARY_OPS, backendName: string, addon: NativeAddon, threads: number, fallback: tf.KernelFunc): tf.KernelConfig {
  const op = NATIVE_BINARY_OPS[kernelName];
  return {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
      const heap = args.backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput(tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape), 'float32');
      addon.binary(op, heapView(heap, a, 'a'), Int32Array.from(a.shape), heapView(heap, b, 'b'), Int32Array.from(b.shape), heapView(heap, out, 'out'), threads);
      return out;
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * BatchMatMul for tfjs-wasm on the native SGEMM, transposed operands read in place. Handles equal
 * batch dimensions and a batch broadcast from a single matrix; any other broadcast goes to
 * `fallback` (the kernel this one replaced).
 */
export function nativeBatchMatMul(backendName: string, addon: NativeAddon, threads: number, fallback: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { a, b } = inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const ra = a.shape.length, rb = b.shape.length;
      const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
      const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
      const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
      const kB = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
      if (k !== kB) {
        throw new Error(`BatchMatMul: inner dimensions ${k} (a) and ${kB} (b) differ for shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
      }
      const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2)), batchB = tf.util.sizeFromShape(b.shape.slice(0, -2)), batch = tf.util.sizeFromShape(outer);
      const simple = batch === Math.max(batchA, batchB) && (batchA === batchB || batchA === 1 || batchB === 1);
      if (!simple || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
      const heap = backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput([...outer, m, n], 'float32');
      const dims = Int32Array.of(batchA, batchB, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0);
      addon.batchMatMul(heapView(heap, a, 'a'), heapView(heap, b, 'b'), heapView(heap, out, 'out'), dims, threads);
      return out;
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * Concat for tfjs-wasm on the native addon: with every tensor viewed as [rows, width] around the
 * axis, one memcpy per row and input, rows split over `threads`. The U-Net concatenates every skip
 * connection, and tfjs-wasm's own Concat and its gradient (SplitV) were 3–8 % of a training step.
 * Inputs other than float32 go to `fallback` (the kernel this one replaced).
 */
export function nativeConcat(backendName: string, addon: NativeAddon, threads: number, fallback: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.Concat,
    backendName,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      const { axis } = args.attrs as unknown as tf.ConcatAttrs;
      if (inputs.length === 0 || inputs.some((t) => t.dtype !== 'float32')) return fallback(args);
      const dim = tf.util.parseAxisParam(axis, inputs[0]!.shape)[0]!;
      const shapes = inputs.map((t) => t.shape);
      tf.backend_util.assertParamsConsistent(shapes, dim);
      const heap = args.backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput(tf.backend_util.computeOutShape(shapes, dim), 'float32');
      const rows = tf.util.sizeFromShape(out.shape.slice(0, dim));
      addon.blockCopy(
        inputs.map((t, i) => heapView(heap, t, `input ${i}`)),
        Int32Array.from(inputs, (t) => tf.util.sizeFromShape(t.shape.slice(dim))),
        heapView(heap, out, 'output'),
        rows,
        1,
        threads,
      );
      return out;
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * SplitV (tf.split; also the gradient of Concat) for tfjs-wasm on the native addon: the reverse
 * of the native Concat, one memcpy per row and output. Inputs other than float32 go to `fallback`.
 */
export function nativeSplitV(backendName: string, addon: NativeAddon, threads: number, fallback: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.SplitV,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as unknown as { x: tf.TensorInfo };
      const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
      if (x.dtype !== 'float32') return fallback(args);
      const dim = tf.util.parseAxisParam(axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, dim);
      const heap = args.backend as unknown as WasmHeapBackend;
      const outs = sizes.map((s) => heap.makeOutput(x.shape.map((d, i) => (i === dim ? s : d)), 'float32'));
      // Views after the last allocation: growing the heap detaches earlier ones.
      addon.blockCopy(
        outs.map((t, i) => heapView(heap, t, `output ${i}`)),
        Int32Array.from(outs, (t) => tf.util.sizeFromShape(t.shape.slice(dim))),
        heapView(heap, x, 'x'),
        tf.util.sizeFromShape(x.shape.slice(0, dim)),
        0,
        threads,
      );
      return outs;
    },
  };
}

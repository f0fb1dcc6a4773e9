import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * Sum or Mean for tfjs-wasm on the native addon: any set of axes reduced in place, in double
 * precision, where tfjs-wasm first transposes the reduced axes to the end (a full copy of the
 * input, and most of the cost of a bias gradient). Non-float32 input goes to `fallback`.
 */
export function nativeReduce(kernelName: typeof tf.Sum | typeof tf.Mean, backendName: string, addon: NativeAddon, threads: number, fallback: tf.KernelFunc): tf.KernelConfig {
  const mean = kernelName === tf.Mean ? 1 : 0;
  return {
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as unknown as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
      if (x.dtype !== 'float32') return fallback(args);
      const axes = new Set(tf.util.parseAxisParam(axis, x.shape));
      const outShape = x.shape.flatMap((size, d) => (!axes.has(d) ? [size] : keepDims ? [1] : []));
      const heap = args.backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput(outShape, 'float32');
      addon.reduceSum(heapView(heap, x, 'x'), Int32Array.from(x.shape), Int32Array.from(x.shape, (_, d) => (axes.has(d) ? 1 : 0)), heapView(heap, out, 'out'), mean, threads);
      return out;
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { nativeConvGeometry } from './conv-geometry';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/**
 * FusedConv2D for tfjs-wasm on the native kernels when it is a convolution plus a per-channel bias
 * (`tf.fused.conv2d({ x, filter, bias })`, linear activation, NHWC): the bias is added to each
 * chunk of output rows right after its product, instead of by a second pass over the whole output.
 * Other activations, PReLU weights, biases of other shapes and non-float32 inputs go to `fallback`
 * (the kernel this one replaced).
 */
export function nativeFusedConv2d(backendName: string, addon: NativeAddon, threads: number, fallback: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.FusedConv2D,
    backendName,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { x, filter, bias, preluActivationWeights } = inputs as unknown as tf.FusedConv2DInputs & Record<string, tf.TensorInfo | undefined>;
      const a = attrs as unknown as tf.FusedConv2DAttrs;
      const outChannels = filter.shape[3];
      const simple =
        a.activation === 'linear' &&
        a.dataFormat === 'NHWC' &&
        preluActivationWeights == null &&
        bias != null &&
        bias.shape.reduce((n, d) => n * d, 1) === outChannels &&
        bias.shape.at(-1) === outChannels &&
        [x, filter, bias].every((t) => t.dtype === 'float32');
      if (!simple) return fallback(args);
      const { info, geometry } = nativeConvGeometry(x.shape, filter.shape, a);
      const heap = backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput(info.outShape, 'float32');
      addon.conv2dBias(heapView(heap, x, 'x'), heapView(heap, filter, 'filter'), heapView(heap, bias, 'bias'), heapView(heap, out, 'y'), geometry, threads);
      return out;
    },
  };
}

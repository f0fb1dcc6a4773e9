import type * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from '@cdm/core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/** `CdmAdamUpdate` (the @cdm/core contract) for tfjs-wasm on the native addon: one pass over the parameter, its moments and its gradient. */
export function nativeAdamUpdate(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: ADAM_UPDATE_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { param, m, v, grad } = inputs as unknown as Record<'param' | 'm' | 'v' | 'grad', tf.TensorInfo>;
      const { beta1, beta2, epsilon, stepSize, secondCorrection } = attrs as unknown as AdamUpdateAttrs;
      for (const [role, t] of Object.entries({ m, v, grad })) {
        if (t.shape.join() !== param.shape.join()) throw new Error(`${ADAM_UPDATE_KERNEL}: ${role} [${t.shape}] must have the shape of param [${param.shape}]`);
      }
      const heap = backend as unknown as WasmHeapBackend;
      const outputs = [param, m, v].map((t) => heap.makeOutput([...t.shape], 'float32'));
      const [paramOut, mOut, vOut] = outputs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
      const view = (info: tf.TensorInfo, role: string) => heapView(heap, info, role);
      addon.adamUpdate(
        view(param, 'param'),
        view(m, 'm'),
        view(v, 'v'),
        view(grad, 'grad'),
        view(paramOut, 'paramOut'),
        view(mOut, 'mOut'),
        view(vOut, 'vOut'),
        Float64Array.of(beta1, beta2, epsilon, stepSize, secondCorrection),
        threads,
      );
      return outputs;
    },
  };
}

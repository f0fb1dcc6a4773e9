import type * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, type GroupNormAttrs } from '@cdm/core';
import type { NativeAddon } from '../../native/native-addon';
import { heapView, type WasmHeapBackend } from './wasm-heap';

/** [batch, pixels, channels, groups] for the native GroupNorm, checked against gamma's length. */
function dims(x: tf.TensorInfo, gamma: tf.TensorInfo, groups: number): Int32Array {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (x.shape.length !== 4 || gamma.shape.reduce((a, b) => a * b, 1) !== c || c % groups !== 0) {
    throw new Error(`${GROUP_NORM_KERNEL}: x must be [N, H, W, C] with C a multiple of groups (${groups}) and gamma of length C; got x [${x.shape}], gamma [${gamma.shape}]`);
  }
  return Int32Array.of(n, h * w, c, groups);
}

/** `CdmGroupNorm` (the @cdm/core contract) for tfjs-wasm on the native addon: two passes over x, statistics in double. */
export function nativeGroupNorm(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: GROUP_NORM_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, gamma, beta } = inputs as unknown as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
      const { groups, epsilon } = attrs as unknown as GroupNormAttrs;
      const shape = dims(x, gamma, groups);
      const heap = backend as unknown as WasmHeapBackend;
      const y = heap.makeOutput([...x.shape], 'float32');
      const mean = heap.makeOutput([x.shape[0]!, groups], 'float32');
      const rstd = heap.makeOutput([x.shape[0]!, groups], 'float32');
      const view = (info: tf.TensorInfo, role: string) => heapView(heap, info, role);
      addon.groupNorm(view(x, 'x'), view(gamma, 'gamma'), view(beta, 'beta'), view(y, 'y'), view(mean, 'mean'), view(rstd, 'rstd'), shape, epsilon, threads);
      return [y, mean, rstd];
    },
  };
}

/** `CdmGroupNormGrad` for tfjs-wasm on the native addon: per-channel sums of dy and dy·x, then dx in one more pass. */
export function nativeGroupNormGrad(backendName: string, addon: NativeAddon, threads: number): tf.KernelConfig {
  return {
    kernelName: GROUP_NORM_GRAD_KERNEL,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, x, mean, rstd, gamma } = inputs as unknown as Record<'dy' | 'x' | 'mean' | 'rstd' | 'gamma', tf.TensorInfo>;
      const { groups } = attrs as unknown as Pick<GroupNormAttrs, 'groups'>;
      const shape = dims(x, gamma, groups);
      const heap = backend as unknown as WasmHeapBackend;
      const dx = heap.makeOutput([...x.shape], 'float32');
      const dgamma = heap.makeOutput([...gamma.shape], 'float32');
      const dbeta = heap.makeOutput([...gamma.shape], 'float32');
      const view = (info: tf.TensorInfo, role: string) => heapView(heap, info, role);
      addon.groupNormGrad(view(dy, 'dy'), view(x, 'x'), view(mean, 'mean'), view(rstd, 'rstd'), view(gamma, 'gamma'), view(dx, 'dx'), view(dgamma, 'dgamma'), view(dbeta, 'dbeta'), shape, threads);
      return [dx, dgamma, dbeta];
    },
  };
}

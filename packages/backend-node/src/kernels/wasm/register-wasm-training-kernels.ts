import * as tf from '@tensorflow/tfjs-core';
import { batchMatMul } from './batch-mat-mul';
import { cast } from './cast';
import { conv2dBackpropFilter } from './conv2d-backprop-filter';
import { conv2dBackpropInput } from './conv2d-backprop-input';
import { identity } from './identity';
import { resizeNearestNeighborGrad } from './resize-nearest-neighbor-grad';
import { unsortedSegmentSum } from './unsorted-segment-sum';

/** The kernels this package installs for training on tfjs-wasm, by kernel name. */
export const WASM_TRAINING_KERNELS = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.BatchMatMul,
  tf.UnsortedSegmentSum,
  tf.Identity,
  tf.Cast,
  tf.ResizeNearestNeighborGrad,
] as const;

const installed = new Map<string, tf.KernelConfig[]>();
/** The shipped kernels our replacements wrap (BatchMatMul, Cast, ResizeNearestNeighborGrad), per backend and kernel name. */
const shippedKernels = new Map<string, tf.KernelFunc>();

/** The shipped kernel `kernelName` of `backendName`: the one registered now, unless that is ours from an earlier call. */
function shipped(kernelName: string, backendName: string, ours: tf.KernelConfig[] | undefined): tf.KernelFunc {
  const key = `${backendName}/${kernelName}`;
  const current = tf.getKernel(kernelName, backendName)?.kernelFunc;
  const oursNow = ours?.find((c) => c.kernelName === kernelName)?.kernelFunc;
  const found = current !== undefined && current !== oursNow ? current : shippedKernels.get(key);
  if (found === undefined) {
    throw new Error(`tfjs backend '${backendName}' has no ${kernelName} kernel: import '@tensorflow/tfjs-backend-wasm' before registering`);
  }
  shippedKernels.set(key, found);
  return found;
}

/**
 * Registers, for the tfjs backend `backendName` (default 'wasm'), the training kernels of this
 * package, replacing the shipped ones of the same name. Idempotent; returns the kernel names it
 * (re)registered. Call it before or after `tf.setBackend('wasm')`: none of them needs a setup step.
 * The shipped BatchMatMul, Cast and ResizeNearestNeighborGrad must already be registered (import '@tensorflow/tfjs-backend-wasm' first).
 */
export function registerWasmTrainingKernels(backendName = 'wasm'): string[] {
  const ours = installed.get(backendName);
  if (ours !== undefined && ours.every((config) => tf.getKernel(config.kernelName, backendName) === config)) return [];
  const configs = [
    conv2dBackpropFilter(backendName),
    conv2dBackpropInput(backendName),
    batchMatMul(backendName, shipped(tf.BatchMatMul, backendName, ours)),
    unsortedSegmentSum(backendName),
    identity(backendName),
    cast(backendName, shipped(tf.Cast, backendName, ours)),
    resizeNearestNeighborGrad(backendName, shipped(tf.ResizeNearestNeighborGrad, backendName, ours)),
  ];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, backendName) !== undefined) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
  installed.set(backendName, configs);
  return configs.map((c) => c.kernelName);
}


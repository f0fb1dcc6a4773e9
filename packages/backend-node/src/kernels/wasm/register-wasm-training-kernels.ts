import * as tf from '@tensorflow/tfjs-core';
import { batchMatMul } from './batch-mat-mul';
import { conv2dBackpropFilter } from './conv2d-backprop-filter';
import { conv2dBackpropInput } from './conv2d-backprop-input';
import { identity } from './identity';
import { unsortedSegmentSum } from './unsorted-segment-sum';

/** The kernels this package installs for training on tfjs-wasm, by kernel name. */
export const WASM_TRAINING_KERNELS = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput, tf.BatchMatMul, tf.UnsortedSegmentSum, tf.Identity] as const;

const installed = new Map<string, tf.KernelConfig[]>();
/** The shipped BatchMatMul of each backend, which our replacement wraps. */
const originalMatMul = new Map<string, tf.KernelFunc>();

/**
 * Registers, for the tfjs backend `backendName` (default 'wasm'), the training kernels of this
 * package, replacing the shipped ones of the same name. Idempotent; returns the kernel names it
 * (re)registered. Call it before or after `tf.setBackend('wasm')`: none of them needs a setup step.
 * The shipped BatchMatMul must already be registered (import '@tensorflow/tfjs-backend-wasm' first).
 */
export function registerWasmTrainingKernels(backendName = 'wasm'): string[] {
  const ours = installed.get(backendName);
  if (ours !== undefined && ours.every((config) => tf.getKernel(config.kernelName, backendName) === config)) return [];
  // The shipped BatchMatMul: the one registered now, unless that is ours from an earlier call.
  const current = tf.getKernel(tf.BatchMatMul, backendName)?.kernelFunc;
  const oursMatMul = ours?.find((c) => c.kernelName === tf.BatchMatMul)?.kernelFunc;
  const shippedMatMul = current !== undefined && current !== oursMatMul ? current : originalMatMul.get(backendName);
  if (shippedMatMul === undefined) {
    throw new Error(`tfjs backend '${backendName}' has no BatchMatMul kernel: import '@tensorflow/tfjs-backend-wasm' before registering`);
  }
  originalMatMul.set(backendName, shippedMatMul);
  const configs = [conv2dBackpropFilter(backendName), conv2dBackpropInput(backendName), batchMatMul(backendName, shippedMatMul), unsortedSegmentSum(backendName), identity(backendName)];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, backendName) !== undefined) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
  installed.set(backendName, configs);
  return configs.map((c) => c.kernelName);
}


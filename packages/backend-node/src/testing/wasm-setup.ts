import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { ensureGradients } from '../gradients/ensure-gradients';
import { registerNativeKernels } from '../kernels/native/register-native-kernels';
import { registerWasmTrainingKernels } from '../kernels/wasm/register-wasm-training-kernels';
import { loadNativeAddon, type NativeAddonStatus } from '../native/native-addon';

/** Readies tfjs-wasm with this package's training kernels (for tests). */
export async function wasmWithTrainingKernels(): Promise<void> {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels('wasm');
  await ensureGradients();
}

/**
 * Readies tfjs-wasm with this package's training kernels and, when the native addon is built, its
 * native kernels on `threads` threads. Returns the addon's status.
 */
export async function wasmWithNativeKernels(threads: number): Promise<NativeAddonStatus> {
  await wasmWithTrainingKernels();
  const status = loadNativeAddon();
  if (status.available) registerNativeKernels(status.addon, threads, 'wasm');
  return status;
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { ensureGradients } from '../gradients/ensure-gradients';
import { registerWasmTrainingKernels } from '../kernels/wasm/register-wasm-training-kernels';

/** Readies tfjs-wasm with this package's training kernels (for tests). */
export async function wasmWithTrainingKernels(): Promise<void> {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels('wasm');
  await ensureGradients();
}

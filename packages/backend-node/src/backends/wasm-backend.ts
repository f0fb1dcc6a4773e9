import * as tf from '@tensorflow/tfjs-core';
import type { Backend, BackendSupport } from '@cdm/core';
import { ensureGradients } from '../gradients/ensure-gradients';
import { registerWasmTrainingKernels } from '../kernels/wasm/register-wasm-training-kernels';
import { installWasmMemoryGuard } from '../memory/wasm-memory-guard';

/**
 * tfjs-wasm (XNNPACK, SIMD) with this package's training kernels: the fast CPU path when
 * TensorFlow's native library is not installed. Single-threaded in Node: tfjs turns WASM threads
 * off there (see the README for why threads are not patched in).
 */
export function wasmBackend(): Backend {
  return {
    name: 'wasm',
    engine: 'wasm',
    priority: 200,
    capabilities: { training: true, gpu: false, asyncReadsOnly: false },
    async isSupported(): Promise<BackendSupport> {
      return typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object' ? { supported: true } : { supported: false, reason: 'WebAssembly is not available in this runtime' };
    },
    async init() {
      // In Node the package loads its .wasm binaries from its own dist/ folder.
      await import('@tensorflow/tfjs-backend-wasm');
      await ensureGradients();
      if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed to load the WebAssembly module");
      registerWasmTrainingKernels('wasm');
      installWasmMemoryGuard('wasm'); // a full heap throws CDM_OUT_OF_MEMORY instead of corrupting tensors
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import type { Backend } from '@cdm/core';
import { ensureGradients } from '../gradients/ensure-gradients';
import { registerCpuKernelFixes } from '../kernels/cpu/resize-nearest-neighbor-grad';

/** Options of `cpuBackend`. */
export interface CpuBackendOptions {
  /** Register tfjs' gradient functions in `init()` (default true); see `WasmBackendOptions.gradients`. */
  readonly gradients?: boolean;
}

/**
 * Plain-JavaScript tfjs-cpu, the last resort: runs everywhere, trains correctly (with this package's
 * corrected ResizeNearestNeighborGrad) but slowly — its convolution gradients are scalar loops.
 */
export function cpuBackend(options: CpuBackendOptions = {}): Backend {
  return {
    // Named apart from its engine: 'cpu' is the device class ("the best CPU backend").
    name: 'tfjs-cpu',
    engine: 'cpu',
    priority: 100,
    capabilities: { training: true, gpu: false, asyncReadsOnly: false },
    isSupported: async () => ({ supported: true }),
    async init() {
      await import('@tensorflow/tfjs-backend-cpu');
      registerCpuKernelFixes('cpu');
      if (options.gradients !== false) await ensureGradients();
      if (tf.getBackend() !== 'cpu' && !(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
    },
  };
}

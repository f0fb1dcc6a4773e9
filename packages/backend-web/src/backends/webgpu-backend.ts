import * as tf from '@tensorflow/tfjs-core';
import type { Backend, BackendSupport } from '@cdm/core';
import { activateEngine } from './activate-engine';
import { ensureGradients } from './ensure-gradients';
import { MISSING_NAVIGATOR_GPU, probeWebGpu, type WebGpuProbeOptions } from './probe-webgpu';

export type WebGpuBackendOptions = WebGpuProbeOptions;

/**
 * tfjs-webgpu: compute shaders on the GPU, the fastest choice where WebGPU works. `isSupported()`
 * asks for an adapter (not merely `navigator.gpu`); `init()` then loads the backend, which
 * registers with tfjs only when `navigator.gpu` exists at that moment. Reads are asynchronous
 * (`await t.data()`); `dataSync()` may throw outside browsers.
 */
export function webgpuBackend(options: WebGpuBackendOptions = {}): Backend {
  const lowPower = options.powerPreference === 'low-power';
  return {
    name: 'webgpu',
    engine: 'webgpu',
    priority: 300,
    capabilities: { training: true, gpu: true, asyncReadsOnly: true },
    async isSupported(): Promise<BackendSupport> {
      const probe = await probeWebGpu(undefined, options);
      return probe.supported ? { supported: true } : { supported: false, reason: probe.reason };
    },
    async init() {
      await ensureGradients();
      const load = async () => {
        await import('@tensorflow/tfjs-backend-webgpu');
        tf.env().set('WEBGPU_USE_LOW_POWER_GPU', lowPower); // the flag exists once the package is loaded; read at setBackend
      };
      await activateEngine('webgpu', load, `${MISSING_NAVIGATOR_GPU} when @tensorflow/tfjs-backend-webgpu was first imported`);
    },
  };
}

import type { Backend, BackendSupport } from '@cdm/core';
import { activateEngine } from './activate-engine';
import { ensureGradients } from './ensure-gradients';
import { NO_CANVAS, probeWebGl } from './probe-webgl';

/**
 * tfjs-webgl: fragment shaders over float textures — the GPU fallback where WebGPU is missing
 * (WebGL2, or WebGL1 with float-texture extensions). Synchronous reads work.
 */
export function webglBackend(): Backend {
  return {
    name: 'webgl',
    engine: 'webgl',
    priority: 200,
    capabilities: { training: true, gpu: true, asyncReadsOnly: false },
    async isSupported(): Promise<BackendSupport> {
      const probe = probeWebGl();
      return probe.supported ? { supported: true } : { supported: false, reason: probe.reason };
    },
    async init() {
      await ensureGradients();
      await activateEngine('webgl', () => import('@tensorflow/tfjs-backend-webgl'), `@tensorflow/tfjs-backend-webgl registers only in a browser page or worker (${NO_CANVAS})`);
    },
  };
}

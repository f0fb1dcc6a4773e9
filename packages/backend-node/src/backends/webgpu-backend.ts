import * as tf from '@tensorflow/tfjs-core';
import { errors, type Backend, type BackendSupport } from '@cdm/core';
import { ensureGradients } from '../gradients/ensure-gradients';
import { registerWebgpuKernelFixes } from '../kernels/webgpu/add-n';
import { installDawnGpu, probeDawnGpu, type DawnProbe } from './dawn-gpu';
import { isInstalled } from './is-installed';
import { describeAdapter } from './webgpu-adapter';

/** Options of `webgpuBackend`. */
export interface WebgpuBackendOptions {
  /** Overrides how packages are looked up (for tests and unusual layouts). */
  readonly isInstalled?: (packageName: string) => boolean;
  /** Overrides the adapter probe (default: Dawn on the first Vulkan driver that gives an adapter). */
  readonly probe?: () => Promise<DawnProbe>;
  /** Register tfjs' gradient functions in `init()` (default true); `false` for sampling only, as for wasm. */
  readonly gradients?: boolean;
}

const PACKAGES = ['webgpu', '@tensorflow/tfjs-backend-webgpu'] as const;
const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';

/**
 * tfjs-webgpu's compute shaders through Dawn (the `webgpu` package, an optional dependency), on
 * Vulkan (Linux), Metal (macOS) or D3D12 (Windows). Chosen automatically, above wasm, only on a
 * hardware adapter; on a software one (SwiftShader, lavapipe) it runs only when asked for by name
 * (`--backend webgpu`). Reads are asynchronous only (`await t.data()`).
 */
export function webgpuBackend(options: WebgpuBackendOptions = {}): Backend {
  const installed = options.isInstalled ?? isInstalled;
  const probe = options.probe ?? probeDawnGpu;
  return {
    name: 'webgpu',
    engine: 'webgpu',
    priority: 350,
    capabilities: { training: true, gpu: true, asyncReadsOnly: true },
    async isSupported(): Promise<BackendSupport> {
      const missing = PACKAGES.filter((name) => !installed(name));
      if (missing.length > 0) return { supported: false, reason: `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed — npm i ${missing.join(' ')}`, install: missing.join(' ') };
      const found = await probe();
      if (!found.ok) return found.install === undefined ? { supported: false, reason: found.reason } : { supported: false, reason: found.reason, install: found.install };
      if (found.adapter.software) return { supported: true, byNameOnly: `only a software adapter: ${describeAdapter(found.adapter)}` };
      return { supported: true };
    },
    async init() {
      if (tf.getBackend() === 'webgpu') return registerWebgpuKernelFixes('webgpu');
      await installDawnGpu(); // before the import: tfjs-webgpu registers only if navigator.gpu exists then
      if (options.gradients !== false) await ensureGradients();
      if (tf.findBackendFactory('webgpu') === null) await import(/* @vite-ignore */ TFJS_WEBGPU); // a bundle may have imported it already
      if (tf.findBackendFactory('webgpu') === null) throw errors.notAvailable('The tfjs backend "webgpu"', `${TFJS_WEBGPU} registered nothing (navigator.gpu was missing when it was first imported); choose another backend`);
      if (!(await tf.setBackend('webgpu'))) throw errors.notAvailable('The tfjs backend "webgpu"', "tf.setBackend('webgpu') failed (tfjs logged why); choose another backend");
      registerWebgpuKernelFixes('webgpu'); // AddN of more than 7 tensors
    },
  };
}

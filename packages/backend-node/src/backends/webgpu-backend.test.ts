import { createBackendRegistry, selectBackend } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import type { DawnProbe } from './dawn-gpu';
import { webgpuAdapterInfo } from './webgpu-adapter';
import { webgpuBackend } from './webgpu-backend';
import { wasmBackend } from './wasm-backend';

const h100 = webgpuAdapterInfo({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' });
const swiftshader = webgpuAdapterInfo({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true });
const lavapipe = webgpuAdapterInfo({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 19.1.7, 256 bits)' });
const found = (adapter: typeof h100): (() => Promise<DawnProbe>) => async () => ({ ok: true, adapter, driver: 'test' });

describe('webgpuBackend', () => {
  it('is supported, and chosen automatically, on a hardware adapter', async () => {
    expect(await webgpuBackend({ isInstalled: () => true, probe: found(h100) }).isSupported()).toEqual({ supported: true });
  });

  it('runs on a software adapter only when asked for by name, saying which adapter it is', async () => {
    expect(await webgpuBackend({ isInstalled: () => true, probe: found(swiftshader) }).isSupported()).toEqual({
      supported: true,
      byNameOnly: 'only a software adapter: google swiftshader (SwiftShader driver 5.0.0), fallback adapter',
    });
    expect(await webgpuBackend({ isInstalled: () => true, probe: found(lavapipe) }).isSupported()).toMatchObject({ byNameOnly: expect.stringMatching(/llvmpipe.*software \(CPU\) driver/) });
  });

  it("'auto' passes over it on a software adapter and takes wasm, with the reason in `tried`", async () => {
    const registry = createBackendRegistry().use(webgpuBackend({ isInstalled: () => true, probe: found(swiftshader) }), wasmBackend({ native: false }));
    const { backend, tried } = await selectBackend('auto', registry, { init: false });
    expect(backend.name).toBe('wasm');
    expect(tried).toEqual([{ name: 'webgpu', reason: expect.stringMatching(/^only a software adapter: google swiftshader .*\(used only when asked for by name: "webgpu"\)$/) }]);
    expect((await selectBackend('webgpu', registry, { init: false })).backend.name).toBe('webgpu');
  });

  it('says which packages to install when they are missing', async () => {
    const backend = webgpuBackend({ isInstalled: (name) => name !== 'webgpu', probe: found(h100) });
    expect(await backend.isSupported()).toEqual({ supported: false, reason: 'webgpu is not installed — npm i webgpu', install: 'webgpu' });
    expect(await webgpuBackend({ isInstalled: () => false }).isSupported()).toEqual({
      supported: false,
      reason: 'webgpu and @tensorflow/tfjs-backend-webgpu are not installed — npm i webgpu @tensorflow/tfjs-backend-webgpu',
      install: 'webgpu @tensorflow/tfjs-backend-webgpu',
    });
  });

  it('passes on why Dawn found no adapter', async () => {
    const backend = webgpuBackend({ isInstalled: () => true, probe: async () => ({ ok: false, reason: 'no Vulkan driver: …' }) });
    expect(await backend.isSupported()).toEqual({ supported: false, reason: 'no Vulkan driver: …' });
  });
});

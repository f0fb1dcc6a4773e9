import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry, selectBackend } from '@cdm/core';
import { describeBackendConformance, resizeNearestNeighborGradientCheck, assertClose } from '@cdm/core/testing';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from './cpu-backend';
import { nodeBackends, registerNodeBackends } from './register-node-backends';
import { tensorflowBackend } from './tensorflow-backend';
import { tensorflowCudaBackend } from './tensorflow-cuda-backend';
import { wasmBackend } from './wasm-backend';

// No gradient import here: init() must bring tfjs' gradient functions itself.
describeBackendConformance(wasmBackend());
describeBackendConformance(cpuBackend());
describeBackendConformance(tensorflowBackend());
describeBackendConformance(tensorflowCudaBackend());

describe('the cpu backend', () => {
  it('has a correct resizeNearestNeighbor gradient at batch 2 (tfjs-cpu 4.22 ships a wrong one)', async () => {
    await cpuBackend().init();
    assertClose(await resizeNearestNeighborGradientCheck(2).run({ tolerance: 1e-3, asyncReadsOnly: false }));
    assertClose(await resizeNearestNeighborGradientCheck(3).run({ tolerance: 1e-3, asyncReadsOnly: false }));
  });
});

describe('tensorflow backends', () => {
  it('say what to install when the package is missing', async () => {
    expect(await tensorflowBackend({ isInstalled: () => false }).isSupported()).toEqual({
      supported: false,
      reason: '@tensorflow/tfjs-node is not installed — npm i @tensorflow/tfjs-node',
      install: '@tensorflow/tfjs-node',
    });
    expect(await tensorflowCudaBackend({ isInstalled: () => false }).isSupported()).toEqual({
      supported: false,
      reason: '@tensorflow/tfjs-node-gpu is not installed — npm i @tensorflow/tfjs-node-gpu',
      install: '@tensorflow/tfjs-node-gpu',
    });
  });

  it('tensorflow-cuda says when the package is there but no CUDA device is', async () => {
    const backend = tensorflowCudaBackend({ isInstalled: () => true, hasCudaDevice: () => false });
    expect(await backend.isSupported()).toEqual({ supported: false, reason: 'no CUDA device (the NVIDIA driver is not loaded)' });
    expect(await tensorflowCudaBackend({ isInstalled: () => true, hasCudaDevice: () => true }).isSupported()).toEqual({ supported: true });
  });
});

describe('registerNodeBackends', () => {
  it('registers tensorflow-cuda, webgpu, tensorflow, wasm and tfjs-cpu with priorities 400, 350, 300, 200, 100', () => {
    const registry = registerNodeBackends(createBackendRegistry());
    expect(registry.values().map((b) => [b.name, b.priority])).toEqual([
      ['tensorflow-cuda', 400],
      ['webgpu', 350],
      ['tensorflow', 300],
      ['wasm', 200],
      ['tfjs-cpu', 100],
    ]);
    expect(registerNodeBackends(registry).list()).toHaveLength(5); // idempotent
    expect(nodeBackends().map((b) => b.name)).toEqual(registry.list());
  });

  it("'auto' falls through to wasm here (no GPU: webgpu has at most a software adapter) and says why it passed the others", async () => {
    const registry = registerNodeBackends(createBackendRegistry());
    const { backend, tried } = await selectBackend('auto', registry);
    expect(backend.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tried.map((t) => t.name)).toEqual(['tensorflow-cuda', 'webgpu', 'tensorflow']);
    expect(tried[1]?.reason).toMatch(/software adapter|no Vulkan|not installed|no WebGPU adapter|Vulkan loader/);
    expect(tried[0]?.reason).toMatch(/tfjs-node-gpu is not installed — npm i @tensorflow\/tfjs-node-gpu/);
  });

  it("'gpu' fails with what to install", async () => {
    const registry = registerNodeBackends(createBackendRegistry());
    // Where the Vulkan loader is missing too (a machine without chromium's dependencies), it is named as well.
    await expect(selectBackend('gpu', registry)).rejects.toThrow(/Install one of: @tensorflow\/tfjs-node-gpu(, libvulkan1)? \[CDM_NO_BACKEND\]/);
  });
});

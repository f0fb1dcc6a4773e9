import { describe, expect, it } from 'vitest';
import { createBackendRegistry, type Backend } from '@cdm/core';
import type { WebGpuProbe } from '@cdm/backend-web';
import { activateBackend, describeAdapter, isBackendChoice, type DeviceQueries } from './backend-choice';

const fake = (name: string, priority: number, supported: boolean, init: () => Promise<void> = async () => undefined): Backend => ({
  name,
  engine: name,
  priority,
  capabilities: { training: false, gpu: name !== 'wasm', asyncReadsOnly: false },
  isSupported: async () => (supported ? { supported: true } : { supported: false, reason: `${name} is off here` }),
  init,
});

const adapter = (isFallbackAdapter: boolean): WebGpuProbe => ({ supported: true, adapter: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter } });
const queries = (gpu: WebGpuProbe, renderer: string | undefined): DeviceQueries => ({ webgpuAdapter: async () => gpu, webglRenderer: () => renderer });
const HARDWARE_GPU: WebGpuProbe = { supported: true, adapter: { vendor: 'nvidia', architecture: 'ampere', device: '', description: '', isFallbackAdapter: false } };
const ANGLE_SWIFTSHADER = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)';

describe('backend choice', () => {
  it('knows its menu entries', () => {
    expect(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'].map(isBackendChoice)).toEqual([true, true, true, true, false]);
  });

  it('describes an adapter without repeating fields', () => {
    expect(describeAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: 'swiftshader', isFallbackAdapter: true })).toBe('google swiftshader (fallback adapter)');
    expect(describeAdapter({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false })).toBe('unnamed adapter');
  });

  it('auto takes WebGPU on a hardware adapter, with no notice', async () => {
    const registry = createBackendRegistry().use(fake('webgpu', 300, true), fake('webgl', 200, true), fake('wasm', 100, true));
    const auto = await activateBackend('auto', registry, queries(HARDWARE_GPU, 'ANGLE (NVIDIA)'));
    expect([auto.backend.name, auto.device, auto.notice]).toEqual(['webgpu', 'nvidia ampere', undefined]);
  });

  it('auto passes over a fallback adapter and software WebGL for WASM, saying why in one line (headless Chromium)', async () => {
    const registry = createBackendRegistry().use(fake('webgpu', 300, true), fake('webgl', 200, true), fake('wasm', 100, true));
    const auto = await activateBackend('auto', registry, queries(adapter(true), ANGLE_SWIFTSHADER));
    expect(auto.backend.name).toBe('wasm');
    expect(auto.notice).toBe(
      `WebGPU runs on a software adapter here (google swiftshader (fallback adapter)); WebGL runs on a software renderer here (${ANGLE_SWIFTSHADER}): using WASM, the fastest backend here.`,
    );
    expect(auto.notice).not.toContain('\n');
  });

  it('auto takes hardware WebGL when WebGPU is missing', async () => {
    const registry = createBackendRegistry().use(fake('webgpu', 300, false), fake('webgl', 200, true), fake('wasm', 100, true));
    const auto = await activateBackend('auto', registry, queries(adapter(false), 'ANGLE (Intel UHD)'));
    expect([auto.backend.name, auto.notice]).toEqual(['webgl', 'WebGPU is not available (webgpu is off here): using WebGL, the fastest backend here.']);
  });

  it('auto goes on to the next backend when one fails to start, and says so', async () => {
    const registry = createBackendRegistry().use(fake('webgpu', 300, true, async () => Promise.reject(new Error('device lost'))), fake('webgl', 200, true), fake('wasm', 100, true));
    const auto = await activateBackend('auto', registry, queries(HARDWARE_GPU, 'ANGLE (NVIDIA)'));
    expect(auto.backend.name).toBe('webgl');
    expect(auto.notice).toMatch(/^Using webgl\. \(WebGPU failed to start: .*device lost/);
  });

  it('a chosen backend that cannot run fails in the playground’s words, naming the next step', async () => {
    const registry = createBackendRegistry().use(fake('webgpu', 300, false), fake('webgl', 200, true), fake('wasm', 100, true));
    const failure = activateBackend('webgpu', registry, queries(adapter(false), undefined));
    await expect(failure).rejects.toThrow('WebGPU is not available in this browser: webgpu is off here. Choose auto or another backend in the menu.');
    await expect(failure).rejects.not.toThrow(/backend-node|register/i);
  });

  it('honours a chosen software backend but says auto is faster', async () => {
    const registry = createBackendRegistry().use(fake('webgpu', 300, true), fake('webgl', 200, true), fake('wasm', 100, true));
    const chosen = await activateBackend('webgpu', registry, queries(adapter(true), ANGLE_SWIFTSHADER));
    expect(chosen.backend.name).toBe('webgpu');
    expect(chosen.notice).toBe('WebGPU runs on a software adapter here (google swiftshader (fallback adapter)), so sampling will be slow: WASM (auto) is faster here.');
  });
});

import { describe, expect, it } from 'vitest';
import { createBackendRegistry, type Backend } from '@cdm/core';
import { activateBackend, describeAdapter, isBackendChoice } from './backend-choice';

const fake = (name: string, priority: number, supported: boolean): Backend => ({
  name,
  engine: name,
  priority,
  capabilities: { training: false, gpu: name !== 'wasm', asyncReadsOnly: false },
  isSupported: async () => (supported ? { supported: true } : { supported: false, reason: `${name} is off here` }),
  init: async () => undefined,
});

describe('backend choice', () => {
  it('knows its menu entries', () => {
    expect(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'].map(isBackendChoice)).toEqual([true, true, true, true, false]);
  });

  it('describes an adapter without repeating fields', () => {
    expect(describeAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: 'swiftshader', isFallbackAdapter: true })).toBe('google swiftshader (fallback adapter)');
    expect(describeAdapter({ vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false })).toBe('unnamed adapter');
  });

  it('falls back from WebGPU with a notice that says why and what runs instead', async () => {
    const registry = createBackendRegistry().use(fake('webgpu', 300, false), fake('webgl', 200, true), fake('wasm', 100, true));
    const auto = await activateBackend('auto', registry);
    expect(auto.backend.name).toBe('webgl');
    expect(auto.webgpuNotice).toBe('WebGPU is not available in this browser: webgpu is off here. Using webgl instead.');
    const wasm = await activateBackend('wasm', registry);
    expect([wasm.backend.name, wasm.webgpuNotice]).toEqual(['wasm', 'WebGPU is not available in this browser: webgpu is off here. Using wasm instead.']);
  });

  it('gives no notice when WebGPU is available, even when another backend is chosen', async () => {
    const registry = createBackendRegistry().use(fake('webgl', 200, true), fake('wasm', 100, true), fake('webgpu', 300, true));
    const chosen = await activateBackend('webgl', registry);
    expect([chosen.backend.name, chosen.webgpuNotice, chosen.adapter]).toEqual(['webgl', undefined, undefined]);
  });
});

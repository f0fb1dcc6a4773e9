import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry, defaultRegistries, selectBackend, type Registries } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { register } from '../plugin';
import { registerWebBackends, webBackends } from './register-web-backends';

describe('registerWebBackends', () => {
  it('registers webgpu, webgl and wasm with priorities 300, 200, 100, idempotently', () => {
    const registry = registerWebBackends(createBackendRegistry());
    expect(registry.values().map((b) => [b.name, b.engine, b.priority, b.capabilities.gpu, b.capabilities.training])).toEqual([
      ['webgpu', 'webgpu', 300, true, true],
      ['webgl', 'webgl', 200, true, true],
      ['wasm', 'wasm', 100, false, false],
    ]);
    expect(registerWebBackends(registry).list()).toHaveLength(3);
    expect(webBackends().map((b) => b.name)).toEqual(registry.list());
  });

  it("'auto' in Node passes over webgpu and webgl, saying why, and lands on wasm", async () => {
    const registry = registerWebBackends(createBackendRegistry());
    const { backend, tried } = await selectBackend('auto', registry);
    expect(backend.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tried.map((t) => t.name)).toEqual(['webgpu', 'webgl']);
    expect(tried[0]?.reason).toMatch(/^navigator\.gpu is missing/);
    expect(tried[1]?.reason).toMatch(/^no canvas to draw on/);
  });

  it("'gpu' fails listing both GPU backends' reasons", async () => {
    await expect(selectBackend('gpu', registerWebBackends(createBackendRegistry()))).rejects.toThrow(
      expect.objectContaining({ code: 'CDM_NO_BACKEND', message: expect.stringMatching(/webgpu: navigator\.gpu is missing[\s\S]*webgl: no canvas[\s\S]*wasm: not a GPU backend/) }),
    );
  });

  it('the plugin entry register(registries) fills the backends registry it is given', () => {
    const backends = createBackendRegistry();
    const registries: Registries = { ...defaultRegistries, backends };
    register(registries);
    expect(backends.list()).toEqual(['webgpu', 'webgl', 'wasm']);
    expect(defaultRegistries.backends.list()).toEqual([]); // nothing behind your back
  });
});

import { describe, expect, it } from 'vitest';
import type { Backend, BackendSupport } from '../contracts/backend';
import { isCdmError } from '../errors';
import { createBackendRegistry } from './backend-registry';
import { selectBackend } from './select-backend';

interface FakeOptions {
  priority?: number;
  gpu?: boolean;
  support?: BackendSupport | (() => Promise<BackendSupport>);
  initError?: Error;
}

/** A plain-object Backend that records which of its hooks ran, into `log`. */
function fake(name: string, log: string[], options: FakeOptions = {}): Backend {
  const { support = { supported: true } } = options;
  return {
    name,
    engine: name,
    priority: options.priority ?? 0,
    capabilities: { training: false, gpu: options.gpu ?? false, asyncReadsOnly: false },
    async isSupported() {
      log.push(`${name}.isSupported`);
      return typeof support === 'function' ? support() : support;
    },
    async init() {
      log.push(`${name}.init`);
      if (options.initError) throw options.initError;
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.unreachable('expected a rejection');
}

describe('selectBackend', () => {
  it("'auto' picks and initialises the highest-priority supported backend", async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(
      fake('cpu', log, { priority: 1 }),
      fake('webgpu', log, { priority: 3, gpu: true, support: { supported: false, reason: 'no adapter' } }),
      fake('wasm', log, { priority: 2 }),
    );
    const { backend, tried } = await selectBackend('auto', registry);
    expect(backend.name).toBe('wasm');
    expect(tried).toEqual([{ name: 'webgpu', reason: 'no adapter' }]);
    expect(log).toEqual(['webgpu.isSupported', 'wasm.isSupported', 'wasm.init']);
  });

  it('keeps registration order among equal priorities', async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(fake('first', log), fake('second', log), fake('third', log, { priority: -1 }));
    expect((await selectBackend('auto', registry)).backend.name).toBe('first');
  });

  it("'gpu' and 'cpu' only consider backends of that kind, and say so for the others", async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(
      fake('wasm', log, { priority: 5 }),
      fake('webgl', log, { priority: 2, gpu: true }),
      fake('webgpu', log, { priority: 3, gpu: true }),
      fake('cpu', log, { priority: 1 }),
    );
    const gpu = await selectBackend('gpu', registry);
    expect(gpu.backend.name).toBe('webgpu');
    expect(gpu.tried).toEqual([{ name: 'wasm', reason: 'not a GPU backend' }]);

    const cpu = await selectBackend('cpu', registry);
    expect(cpu.backend.name).toBe('wasm');
    expect(cpu.tried).toEqual([]);
  });

  it("'cpu' passes over GPU backends even when they have the higher priority", async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(fake('webgpu', log, { priority: 9, gpu: true }), fake('cpu', log));
    const { backend, tried } = await selectBackend('cpu', registry);
    expect(backend.name).toBe('cpu');
    expect(tried).toEqual([{ name: 'webgpu', reason: 'a GPU backend, and device "cpu" asks for a CPU one' }]);
    expect(log).toEqual(['cpu.isSupported', 'cpu.init']);
  });

  it('selects without initialising when { init: false }', async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(fake('wasm', log));
    expect((await selectBackend('auto', registry, { init: false })).backend.name).toBe('wasm');
    expect((await selectBackend('wasm', registry, { init: false })).backend.name).toBe('wasm');
    expect(log).toEqual(['wasm.isSupported', 'wasm.isSupported']);
  });

  it('treats a throwing isSupported() as unsupported, with the error naming the backend as the reason', async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(
      fake('broken', log, { priority: 2, support: () => Promise.reject(new Error('navigator is not defined')) }),
      fake('cpu', log),
    );
    const { backend, tried } = await selectBackend('auto', registry);
    expect(backend.name).toBe('cpu');
    expect(tried).toEqual([
      { name: 'broken', reason: 'backend "broken" failed in isSupported: navigator is not defined [CDM_PLUGIN_FAILED]' },
    ]);
  });

  it('falls through to the next candidate when init() fails, recording the wrapped failure', async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(
      fake('webgpu', log, { priority: 2, gpu: true, initError: new Error('device lost') }),
      fake('webgl', log, { priority: 1, gpu: true }),
    );
    const { backend, tried } = await selectBackend('gpu', registry);
    expect(backend.name).toBe('webgl');
    expect(tried).toEqual([{ name: 'webgpu', reason: 'backend "webgpu" failed in init: device lost [CDM_PLUGIN_FAILED]' }]);
    expect(log).toEqual(['webgpu.isSupported', 'webgpu.init', 'webgl.isSupported', 'webgl.init']);
  });

  it('throws CDM_NO_BACKEND listing every backend tried with its reason and the install hints', async () => {
    const log: string[] = [];
    const registry = createBackendRegistry().use(
      fake('node', log, { priority: 3, support: { supported: false, reason: 'not installed', install: '@cdm/backend-node' } }),
      fake('wasm', log, { priority: 2, initError: new Error('out of memory') }),
      fake('webgpu', log, { priority: 1, gpu: true }),
      fake('webgl', log, { support: { supported: false, reason: 'no WebGL2', install: '@cdm/backend-web' } }),
    );
    const error = await rejection(selectBackend('cpu', registry));
    expect(isCdmError(error, 'CDM_NO_BACKEND')).toBe(true);
    expect(error.message).toBe(
      [
        'No backend can serve device "cpu".',
        'Tried:',
        '  node: not installed',
        '  wasm: backend "wasm" failed in init: out of memory [CDM_PLUGIN_FAILED]',
        '  webgpu: a GPU backend, and device "cpu" asks for a CPU one',
        '  webgl: no WebGL2. Install one of: @cdm/backend-node, @cdm/backend-web [CDM_NO_BACKEND]',
      ].join('\n'),
    );
  });

  it("names the backends that aren't GPUs when 'gpu' finds none", async () => {
    const registry = createBackendRegistry().use(fake('wasm', []));
    await expect(selectBackend('gpu', registry)).rejects.toThrow(
      'No backend can serve device "gpu".\nTried:\n  wasm: not a GPU backend. Register a backend package (e.g. @cdm/backend-node) [CDM_NO_BACKEND]',
    );
  });

  it("passes over a byNameOnly backend for 'auto' and 'gpu' with its reason, and selects it by name", async () => {
    const log: string[] = [];
    const software = { supported: true, byNameOnly: 'software adapter (SwiftShader)' } as const;
    const registry = createBackendRegistry().use(fake('webgpu', log, { priority: 250, gpu: true, support: software }), fake('wasm', log, { priority: 200 }));
    const auto = await selectBackend('auto', registry);
    expect(auto.backend.name).toBe('wasm');
    expect(auto.tried).toEqual([{ name: 'webgpu', reason: 'software adapter (SwiftShader) (used only when asked for by name: "webgpu")' }]);
    await expect(selectBackend('gpu', registry)).rejects.toThrow(/webgpu: software adapter \(SwiftShader\) \(used only when asked for by name: "webgpu"\)/);
    log.length = 0;
    expect((await selectBackend('webgpu', registry)).backend.name).toBe('webgpu');
    expect(log).toEqual(['webgpu.isSupported', 'webgpu.init']);
  });

  it('says no backend is registered when the registry is empty', async () => {
    await expect(selectBackend('auto', createBackendRegistry())).rejects.toThrow(
      'No backend can serve device "auto". No backend is registered.',
    );
  });

  describe('by backend name', () => {
    it('selects that backend regardless of priority', async () => {
      const log: string[] = [];
      const registry = createBackendRegistry().use(fake('wasm', log, { priority: 5 }), fake('webgpu', log, { gpu: true }));
      const { backend, tried } = await selectBackend('webgpu', registry);
      expect(backend.name).toBe('webgpu');
      expect(tried).toEqual([]);
      expect(log).toEqual(['webgpu.isSupported', 'webgpu.init']);
    });

    it('lists the registered names and the valid devices when the name is unknown', async () => {
      const registry = createBackendRegistry().use(fake('wasm', []), fake('webgl', []));
      const error = await rejection(selectBackend('tpu', registry));
      expect(isCdmError(error, 'CDM_UNKNOWN_PLUGIN')).toBe(true);
      expect(error.message).toBe(
        'Unknown backend "tpu"; registered: wasm, webgl. Ask for a device (auto, gpu, cpu) or a registered ' +
          "backend's name. Install and register a backend package: @cdm/backend-node (Node) or @cdm/backend-web " +
          '(browsers), then backends.use(...) [CDM_UNKNOWN_PLUGIN]',
      );
    });

    it('throws CDM_NO_BACKEND with its reason and install hint when it is unsupported', async () => {
      const registry = createBackendRegistry().use(
        fake('webgpu', [], { support: { supported: false, reason: 'navigator.gpu is missing', install: 'webgpu' } }),
      );
      await expect(selectBackend('webgpu', registry)).rejects.toThrow(
        'No backend can serve device "webgpu".\nTried:\n  webgpu: navigator.gpu is missing. Install one of: webgpu [CDM_NO_BACKEND]',
      );
    });

    it('throws the wrapped init() failure instead of falling back', async () => {
      const cause = new Error('compile failed');
      const registry = createBackendRegistry().use(fake('wasm', [], { initError: cause }), fake('cpu', []));
      const error = await rejection(selectBackend('wasm', registry));
      expect(isCdmError(error, 'CDM_PLUGIN_FAILED')).toBe(true);
      expect(error.message).toBe('backend "wasm" failed in init: compile failed [CDM_PLUGIN_FAILED]');
      expect(error.cause).toBe(cause);
    });

    it('treats a throwing isSupported() as unsupported', async () => {
      const registry = createBackendRegistry().use(fake('odd', [], { support: () => Promise.reject(new Error('boom')) }));
      await expect(selectBackend('odd', registry)).rejects.toThrow(
        expect.objectContaining({ code: 'CDM_NO_BACKEND', message: expect.stringContaining('odd: backend "odd" failed in isSupported: boom') }),
      );
    });
  });

  it('rejects an empty device name', async () => {
    await expect(selectBackend('', createBackendRegistry())).rejects.toThrow(
      expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }),
    );
  });
});

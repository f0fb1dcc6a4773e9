import { afterEach, describe, expect, it, vi } from 'vitest';
import { MISSING_NAVIGATOR_GPU, probeWebGpu, webgpuAdapterInfo, type GpuLike } from './probe-webgpu';
import { webgpuBackend } from './webgpu-backend';

/** A fake navigator.gpu whose requestAdapter resolves to `adapter` (or throws `error`), recording the options. */
function fakeGpu(adapter: unknown, error?: Error) {
  const calls: unknown[] = [];
  const gpu: GpuLike = {
    async requestAdapter(options) {
      calls.push(options);
      if (error) throw error;
      return adapter as never;
    },
  };
  return { gpu, calls };
}

const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true };

describe('probeWebGpu', () => {
  it('says navigator.gpu is missing, and what gives it', async () => {
    expect(await probeWebGpu(undefined)).toEqual({ supported: false, reason: MISSING_NAVIGATOR_GPU });
    expect(MISSING_NAVIGATOR_GPU).toMatch(/^navigator\.gpu is missing \(WebGPU needs Chrome\/Edge 113\+.*--enable-unsafe-webgpu\)$/);
  });

  it('is not satisfied by navigator.gpu alone: a null adapter is "no WebGPU adapter"', async () => {
    const probe = await probeWebGpu(fakeGpu(null).gpu);
    expect(probe.supported).toBe(false);
    expect(!probe.supported && probe.reason).toMatch(/^no WebGPU adapter: navigator\.gpu\.requestAdapter\(\) returned null/);
  });

  it('reports a throwing requestAdapter with its message', async () => {
    expect(await probeWebGpu(fakeGpu(null, new Error('GPU process crashed')).gpu)).toEqual({
      supported: false,
      reason: 'navigator.gpu.requestAdapter() failed: GPU process crashed',
    });
  });

  it('reads adapter.info, and asks for the power preference given (high-performance by default)', async () => {
    const { gpu, calls } = fakeGpu({ info: swiftshader });
    expect(await probeWebGpu(gpu)).toEqual({ supported: true, adapter: swiftshader });
    await probeWebGpu(gpu, { powerPreference: 'low-power' });
    expect(calls).toEqual([{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }]);
  });

  it('falls back to requestAdapterInfo() (Chrome < 127) and fills withheld fields with ""', async () => {
    const adapter = { isFallbackAdapter: false, requestAdapterInfo: async () => ({ vendor: 'nvidia', architecture: 'ampere' }) };
    expect(await probeWebGpu(fakeGpu(adapter).gpu)).toEqual({
      supported: true,
      adapter: { vendor: 'nvidia', architecture: 'ampere', device: '', description: '', isFallbackAdapter: false },
    });
  });
});

describe('webgpuBackend().isSupported() and webgpuAdapterInfo() read the global navigator', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('unsupported without navigator.gpu, supported with an adapter', async () => {
    vi.stubGlobal('navigator', {});
    expect(await webgpuBackend().isSupported()).toEqual({ supported: false, reason: MISSING_NAVIGATOR_GPU });
    expect(await webgpuAdapterInfo()).toBeUndefined();

    vi.stubGlobal('navigator', { gpu: fakeGpu(null).gpu });
    expect(await webgpuBackend().isSupported()).toMatchObject({ supported: false, reason: expect.stringMatching(/^no WebGPU adapter/) });

    const { gpu, calls } = fakeGpu({ info: swiftshader });
    vi.stubGlobal('navigator', { gpu });
    expect(await webgpuBackend({ powerPreference: 'low-power' }).isSupported()).toEqual({ supported: true });
    expect(calls).toEqual([{ powerPreference: 'low-power' }]);
    expect(await webgpuAdapterInfo()).toEqual(swiftshader);
  });
});

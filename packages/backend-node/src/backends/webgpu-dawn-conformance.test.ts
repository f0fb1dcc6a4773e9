// The webgpu backend for real, through Dawn on whatever Vulkan driver this machine has (SwiftShader
// from Debian's chromium package on CI). Skipped, with the reason in the title, where there is none.
import { describeBackendConformance } from '@cdm/core/testing';
import { describe, expect, it } from 'vitest';
import { probeDawnGpu } from './dawn-gpu';
import { describeAdapter } from './webgpu-adapter';
import { webgpuBackend } from './webgpu-backend';

const dawn = await probeDawnGpu();

describe(dawn.ok ? `Dawn adapter: ${describeAdapter(dawn.adapter)} on ${dawn.driver}` : `Dawn — skipped: ${dawn.reason}`, () => {
  it.skipIf(!dawn.ok)('describes the adapter it found', () => {
    if (!dawn.ok) return;
    expect(dawn.adapter.vendor.length + dawn.adapter.architecture.length).toBeGreaterThan(0);
    expect(typeof dawn.adapter.software).toBe('boolean');
  });
});

// The software drivers' float32 is the same as a GPU's: the default tolerances hold.
describeBackendConformance(webgpuBackend());

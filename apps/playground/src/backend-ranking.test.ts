import { describe, expect, it } from 'vitest';
import { planAutoBackend, slowChoiceNotice, type BackendProbe, type BackendProbes } from './backend-ranking';

const hardware = (device: string): BackendProbe => ({ usable: true, software: false, device });
const software = (device: string): BackendProbe => ({ usable: true, software: true, device });
const missing = (reason: string): BackendProbe => ({ usable: false, reason });
const WASM = hardware('CPU (XNNPACK)');

describe('planAutoBackend', () => {
  it('puts hardware GPUs first, then WASM, then GPUs in software, leaving out what cannot run', () => {
    expect(planAutoBackend({ webgpu: hardware('nvidia'), webgl: hardware('ANGLE (NVIDIA)'), wasm: WASM })).toEqual({ order: ['webgpu', 'webgl', 'wasm'], notice: undefined });
    expect(planAutoBackend({ webgpu: software('swiftshader'), webgl: software('SwiftShader'), wasm: WASM }).order).toEqual(['wasm', 'webgl', 'webgpu']);
    expect(planAutoBackend({ webgpu: missing('no adapter'), webgl: software('llvmpipe'), wasm: WASM }).order).toEqual(['wasm', 'webgl']);
    expect(planAutoBackend({ webgpu: missing('a'), webgl: missing('b'), wasm: missing('c') })).toEqual({ order: [], notice: undefined });
  });

  it('says in one line why it does not start with WebGPU', () => {
    const probes: BackendProbes = { webgpu: software('swiftshader (fallback adapter)'), webgl: hardware('ANGLE (Intel)'), wasm: WASM };
    expect(planAutoBackend(probes).notice).toBe('WebGPU runs on a software adapter here (swiftshader (fallback adapter)): using WebGL, the fastest backend here.');
    expect(planAutoBackend({ ...probes, webgpu: missing('navigator.gpu is missing') }).notice).toBe('WebGPU is not available (navigator.gpu is missing): using WebGL, the fastest backend here.');
  });
});

describe('slowChoiceNotice', () => {
  it('speaks only when the chosen backend runs in software and a faster one is here', () => {
    const probes: BackendProbes = { webgpu: software('swiftshader'), webgl: software('SwiftShader'), wasm: WASM };
    expect(slowChoiceNotice('webgl', probes)).toBe('WebGL runs on a software renderer here (SwiftShader), so sampling will be slow: WASM (auto) is faster here.');
    expect(slowChoiceNotice('wasm', probes)).toBeUndefined();
    expect(slowChoiceNotice('webgpu', { ...probes, wasm: missing('no WebAssembly'), webgl: missing('off') })).toBeUndefined();
  });
});

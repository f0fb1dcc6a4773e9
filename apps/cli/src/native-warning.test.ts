import { NATIVE_BUILD_HINT, type NativeAddon } from '@cdm/backend-node';
import { describe, expect, it } from 'vitest';
import { NATIVE_FIX, NATIVE_SLOWDOWN, nativeKernelWarning } from './native-warning';

const missing = { available: false, reason: `not built (/x/native/build/cdm-native.node is missing); ${NATIVE_BUILD_HINT}` } as const;

describe('nativeKernelWarning', () => {
  it('wasm without the native kernels: one line with why, the measured slowdown and the fix for npm, npm 11 and pnpm', () => {
    const line = nativeKernelWarning('wasm', undefined, missing)!;
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^warning: training on wasm without the native kernels \(not built \(\/x\/native\/build\/cdm-native\.node is missing\)\) is about 5–8\.5× slower/);
    expect(line).toContain('9.6 s on wasm alone, 1.1 s with the native kernels on 2 threads');
    expect(line).toContain(NATIVE_FIX);
    for (const fix of ['npm rebuild @cdm/backend-node', 'npm install-scripts approve @cdm/backend-node', 'pnpm.onlyBuiltDependencies', 'pnpm approve-builds']) expect(line).toContain(fix);
    expect(line).not.toContain(NATIVE_BUILD_HINT); // said once, as the fix
    expect(NATIVE_SLOWDOWN).toBe('5–8.5×');
  });

  it('turned off with CDM_NATIVE=0: says so and how to turn them back on', () => {
    const line = nativeKernelWarning('wasm', undefined, { available: false, reason: 'turned off by CDM_NATIVE=0' })!;
    expect(line).toMatch(/\(turned off by CDM_NATIVE=0\) is about 5–8\.5× slower .*; unset CDM_NATIVE to use them; `cdm info` shows their state$/);
  });

  it('nothing to say when the kernels run, or on another backend', () => {
    const addon = { available: true, addon: {} as NativeAddon, isa: 'avx2', path: '/x' } as const;
    expect(nativeKernelWarning('wasm', 2, addon)).toBeUndefined();
    expect(nativeKernelWarning('cpu', undefined, missing)).toBeUndefined();
    expect(nativeKernelWarning('tensorflow', undefined, missing)).toBeUndefined();
    expect(nativeKernelWarning('wasm', undefined, addon)).toMatch(/\(built but not registered for the wasm backend\)/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { isCdmError } from '@cdm/core';
import { describeBackendConformance } from '@cdm/core/testing';
import { describe, expect, it } from 'vitest';
import { wasmBackend } from './wasm-backend';

// In Node tfjs-wasm reads its .wasm files from its own dist/ folder, so no wasmPaths here.
describeBackendConformance(wasmBackend());

describe('wasmBackend options', () => {
  it('rejects a per-file wasmPaths map that misses a binary, naming it', () => {
    let error: unknown;
    try {
      wasmBackend({ wasmPaths: { 'tfjs-backend-wasm.wasm': '/a.wasm', 'tfjs-backend-wasm-simd.wasm': '/b.wasm' } as never });
    } catch (caught) {
      error = caught;
    }
    expect(isCdmError(error, 'CDM_INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('a map without tfjs-backend-wasm-threaded-simd.wasm');
  });

  it('a second init() with wasm already current keeps it and its tensors', async () => {
    await wasmBackend().init();
    const kept = tf.tensor1d([4, 5]);
    await wasmBackend({ wasmPaths: '/elsewhere/' }).init(); // already loaded: the paths no longer matter
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(await kept.data())).toEqual([4, 5]);
    kept.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { errors, isCdmError } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { wasmBackend } from '../backends/wasm-backend';
import { installWasmMemoryGuard, wasmHeapBytes, wasmOutOfMemoryError } from './wasm-memory-guard';

describe('the wasm memory guard', () => {
  it('turns a full 4 GiB heap into CDM_OUT_OF_MEMORY suggesting gradient accumulation, and the backend keeps working', async () => {
    await wasmBackend().init();
    expect(installWasmMemoryGuard()).toBe(true);
    const kept = tf.ones([64, 2 ** 20]); // 256 MiB that must survive
    const fail = (elements: number) => {
      try {
        tf.fill([elements], 1).dispose();
      } catch (error) {
        return error as Error;
      }
      return expect.unreachable(`allocating ${elements} floats should fail`);
    };
    const tooBig = fail(1000 * 2 ** 20); // 4000 MiB: more than the heap can grow to
    expect(isCdmError(tooBig, 'CDM_OUT_OF_MEMORY')).toBe(true);
    expect(tooBig.message).toMatch(
      /^The wasm backend ran out of memory: could not allocate 4000 MiB with \d+ MiB of its 4 GiB WebAssembly heap in use\. Use a smaller batch and accumulate gradients over several micro-batches/,
    );
    expect(fail(1100 * 2 ** 20).message).toMatch(/could not allocate 4400 MiB/); // ≥ 4 GiB: would wrap around in malloc
    expect(Array.from((await tf.slice(kept, [63, 2 ** 20 - 2], [1, 2]).data()))).toEqual([1, 1]);
    kept.dispose();
    const sum = tf.add(tf.scalar(1), tf.scalar(2));
    expect((await sum.data())[0]).toBe(3);
    sum.dispose();
    expect(wasmHeapBytes()).toBeGreaterThan(256 * 2 ** 20);
  });

  it('recognises module aborts and leaves other errors alone', () => {
    expect(wasmOutOfMemoryError(new Error('Aborted(). Build with -sASSERTIONS for more info.'))?.code).toBe('CDM_OUT_OF_MEMORY');
    expect(wasmOutOfMemoryError(new Error('shapes do not match'))).toBeUndefined();
    const coded = errors.outOfMemory('The wasm backend', 'could not allocate 8 MiB');
    expect(wasmOutOfMemoryError(coded)).toBe(coded);
  });
});

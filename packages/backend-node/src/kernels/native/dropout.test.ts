import * as tf from '@tensorflow/tfjs-core';
import { DROPOUT_KERNEL, dropoutAttrs, dropoutMask, hasFusedDropout } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';

const native = loadNativeAddon();

describe.skipIf(!native.available)(`native fused dropout on wasm equals @cdm/core's dropoutMask bit for bit${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    // Sizes that end mid-block: past the eight-block vector groups (7, 4097) and inside the last one
    // (31, 4093, whose short block is drawn with seven others); 200 001 crosses the threading threshold.
    for (const size of [7, 31, 4093, 4097, 200_001]) {
      it(`${threads} thread${threads > 1 ? 's' : ''}, ${size} values, rate 0.1 and 0.5: y = x·mask exactly`, async () => {
        await wasmWithNativeKernels(threads);
        expect(hasFusedDropout('wasm')).toBe(true);
        const xs = Float32Array.from({ length: size }, (_, i) => Math.sin(i) * 3 - (i % 7 === 0 ? 0 : 0.5));
        for (const [rate, key0, key1] of [[0.1, 0x12345678, 0x9abcdef0], [0.5, 0xffffffff, 0]] as const) {
          const attrs = dropoutAttrs(rate, key0, key1);
          const x = tf.tensor1d(xs);
          const y = tf.engine().runKernel(DROPOUT_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
          const got = (await y.data()) as Float32Array;
          const mask = dropoutMask(size, attrs);
          const want = Float32Array.from(xs, (v, i) => v * mask[i]!);
          expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
          tf.dispose([x, y]);
        }
      });
    }
  }

  it('drops the share the rate asks for, keeps shapes and leaves nothing behind', async () => {
    await wasmWithNativeKernels(2);
    const before = tf.memory();
    const x = tf.ones([4, 8, 8, 64]);
    const y = tf.engine().runKernel(DROPOUT_KERNEL, { x }, dropoutAttrs(0.1, 7, 11) as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(y.shape).toEqual([4, 8, 8, 64]);
    const values = (await y.data()) as Float32Array;
    const dropped = values.filter((v) => v === 0).length / values.length;
    // 16 384 Bernoulli(0.1) draws: the standard error is 0.0023; four of them.
    expect(Math.abs(dropped - 0.1)).toBeLessThan(4 * Math.sqrt((0.1 * 0.9) / values.length));
    expect(values.every((v) => v === 0 || v === Math.fround(1 / 0.9))).toBe(true);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

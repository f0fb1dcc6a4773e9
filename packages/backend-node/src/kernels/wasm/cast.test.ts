import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';

describe('Cast on wasm shares the input when the dtype stays, and converts otherwise', () => {
  beforeAll(wasmWithTrainingKernels);

  it('float32 → float32 adds no data buffer and keeps the values after the source is gone', async () => {
    const x = tf.tensor2d([1.5, -2, 3.25, 4, 5, 6], [2, 3]);
    const before = tf.memory().numDataBuffers;
    const same = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(before);
    expect(same.dataId).toBe(x.dataId);
    x.dispose();
    expect(same.shape).toEqual([2, 3]);
    expect(Array.from(await same.data())).toEqual([1.5, -2, 3.25, 4, 5, 6]);
    same.dispose();
  });

  it('converts other dtypes: int32 → float32, float32 → int32 (truncation), float32 → bool as x ≠ 0', async () => {
    const ints = tf.tensor1d([3, -7, 0], 'int32');
    const floats = tf.cast(ints, 'float32');
    expect(floats.dtype).toBe('float32');
    expect(floats.dataId).not.toBe(ints.dataId);
    expect(Array.from(await floats.data())).toEqual([3, -7, 0]);
    const x = tf.tensor1d([1.7, -1.7, 0]);
    const truncated = tf.cast(x, 'int32');
    expect(truncated.dtype).toBe('int32');
    expect(Array.from(await truncated.data())).toEqual([1, -1, 0]);
    const flags = tf.cast(x, 'bool');
    expect(Array.from(await flags.data())).toEqual([1, 1, 0]);
    tf.dispose([ints, floats, x, truncated, flags]);
  });

  it('is the registered Cast, and frees the bytes when the last sharer is disposed', () => {
    expect(tf.getKernel(tf.Cast, 'wasm')?.kernelFunc.toString()).toContain('incRef');
    const start = tf.memory();
    const x = tf.ones([1000]);
    const a = tf.cast(x, 'float32');
    const b = tf.cast(a, 'float32');
    tf.dispose([x, a, b]);
    expect(tf.memory().numDataBuffers).toBe(start.numDataBuffers);
    expect(tf.memory().numTensors).toBe(start.numTensors);
  });
});

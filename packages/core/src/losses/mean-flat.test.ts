import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanFlat } from './mean-flat';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('meanFlat', () => {
  it('averages every axis but the first', () => {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i), [2, 3, 2, 2]);
    const m = meanFlat(x);
    expect(m.shape).toEqual([2]);
    // Example 0 holds 0…11 (mean 5.5), example 1 holds 12…23 (mean 17.5).
    expect(Array.from(m.dataSync())).toEqual([5.5, 17.5]);
    tf.dispose([x, m]);
  });

  it('returns a float32 copy of a rank-1 input, rejects a scalar, and leaks no tensors', () => {
    const v = tf.tensor1d([1, 2, 3], 'int32');
    const ones = tf.ones([2, 3, 4]);
    const before = tf.memory().numTensors;
    const m = meanFlat(v);
    expect(m.dtype).toBe('float32');
    expect(Array.from(m.dataSync())).toEqual([1, 2, 3]);
    m.dispose();
    meanFlat(ones).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const s = tf.scalar(1);
    expect(() => meanFlat(s)).toThrow(expect.objectContaining({ code: 'CDM_SHAPE_MISMATCH' }));
    tf.dispose([v, ones, s]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { deferredReads } from './deferred-reads';

describe('deferredReads', () => {
  it('reads a tensor that is disposed right after the callback, and leaks nothing', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const into = new Float32Array(6);
    const reads = deferredReads();
    tf.tidy(() => reads.copy(tf.tensor1d([1, 2, 3]), into, 3)); // the tidy disposes the original at once
    await reads.flush();
    expect(Array.from(into)).toEqual([0, 0, 0, 1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

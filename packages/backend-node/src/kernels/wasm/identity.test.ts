import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';

describe('Identity on wasm shares the input instead of copying it', () => {
  beforeAll(wasmWithTrainingKernels);

  it('a clone adds no data buffer and outlives its source with the same values', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const before = tf.memory().numDataBuffers;
    const copy = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(before);
    expect(copy.dataId).toBe(x.dataId);
    x.dispose();
    expect(copy.shape).toEqual([2, 3]);
    expect(Array.from(await copy.data())).toEqual([1, 2, 3, 4, 5, 6]);
    copy.dispose();
  });

  it('a variable assigned from a clone keeps its own values when the clone’s source changes hands', async () => {
    const v = tf.variable(tf.zeros([3]));
    const source = tf.tensor1d([7, 8, 9]);
    v.assign(tf.clone(source));
    source.dispose();
    v.assign(tf.add(v, 1) as tf.Tensor1D);
    expect(Array.from(await v.data())).toEqual([8, 9, 10]);
    v.dispose();
  });

  it('frees the bytes when the last sharer is disposed', () => {
    const start = tf.memory();
    const x = tf.ones([1000]);
    const a = tf.clone(x);
    const b = tf.clone(a);
    tf.dispose([x, a, b]);
    expect(tf.memory().numDataBuffers).toBe(start.numDataBuffers);
    expect(tf.memory().numTensors).toBe(start.numTensors);
  });
});

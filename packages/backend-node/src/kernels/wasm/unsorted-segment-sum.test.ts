import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';

describe('UnsortedSegmentSum on wasm', () => {
  beforeAll(wasmWithTrainingKernels);

  it('matches tfjs-cpu, repeated and absent ids included (tolerance 1e-6)', async () => {
    for (const shape of [[6], [6, 4], [6, 2, 3]]) {
      const { relativeError } = await compareWithCpu('wasm', 17, (rng) => {
        const x = tf.tensor(seededValues(rng, shape.reduce((a, b) => a * b)), shape);
        return tf.unsortedSegmentSum(x, tf.tensor1d([3, 0, 3, 1, 0, 3], 'int32'), 5);
      });
      expect(relativeError).toBeLessThan(1e-6);
    }
  });

  it('makes the gradient of a class-embedding gather work (tolerance 1e-6)', async () => {
    const { relativeError } = await compareWithCpu('wasm', 19, (rng) => {
      const table = tf.tensor2d(seededValues(rng, 4 * 8), [4, 8]);
      const labels = tf.tensor1d([2, 0, 2], 'int32');
      return tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, labels))))(table);
    });
    expect(relativeError).toBeLessThan(1e-6);
  });
});

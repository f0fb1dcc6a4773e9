import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';
import { backpropFilterCase, convCases, describeCase } from './conv-cases';

/** Float32 sums of at most a few hundred products: agreement to 1e-5 of the largest value. */
const TOLERANCE = 1e-5;

describe('Conv2DBackpropFilter on wasm matches tfjs-cpu', () => {
  beforeAll(wasmWithTrainingKernels);

  for (const c of convCases) {
    it(describeCase(c), async () => {
      const { relativeError, shapes } = await compareWithCpu('wasm', 7, (rng) => backpropFilterCase(c, rng));
      expect(shapes[0]).toEqual([c.kernel, c.kernel, c.inChannels, c.outChannels]);
      expect(relativeError).toBeLessThan(TOLERANCE);
    });
  }

  it('agrees with the gradient of conv2d computed through tf.grad on cpu', async () => {
    const { relativeError } = await compareWithCpu('wasm', 3, (rng) => {
      const x = tf.tensor4d(seededValues(rng, 2 * 9 * 9 * 3), [2, 9, 9, 3]);
      const w = tf.tensor4d(seededValues(rng, 3 * 3 * 3 * 5), [3, 3, 3, 5]);
      return tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'))))(w);
    });
    expect(relativeError).toBeLessThan(TOLERANCE);
  });

  it('leaves no intermediate tensor or buffer behind', async () => {
    await wasmWithTrainingKernels();
    const x = tf.ones([2, 6, 6, 3]);
    const dy = tf.ones([2, 3, 3, 4]);
    const grad = () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }) as tf.Tensor;
    grad().dispose(); // warm-up
    const before = tf.memory();
    grad().dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, dy]);
  });
});

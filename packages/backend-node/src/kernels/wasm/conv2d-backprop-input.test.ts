import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';
import { convCases, describeCase } from './conv-cases';
import { conv2dBackpropInput } from './conv2d-backprop-input';

/** Float32 sums of at most a few hundred products: agreement to 1e-5 of the largest value. */
const TOLERANCE = 1e-5;

describe('Conv2DBackpropInput on wasm matches tfjs-cpu', () => {
  beforeAll(wasmWithTrainingKernels);

  it('is this package’s kernel, not the shipped scalar loop', () => {
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')?.kernelFunc.toString()).toBe(conv2dBackpropInput('wasm').kernelFunc.toString());
  });

  for (const c of convCases) {
    it(describeCase(c), async () => {
      const { relativeError, shapes } = await compareWithCpu('wasm', 11, (rng) => {
        const inputShape: [number, number, number, number] = [c.batch, c.size[0], c.size[1], c.inChannels];
        const filter = tf.tensor4d(seededValues(rng, c.kernel * c.kernel * c.inChannels * c.outChannels), [c.kernel, c.kernel, c.inChannels, c.outChannels]);
        const outShape = tf.conv2d(tf.zeros(inputShape) as tf.Tensor4D, filter, c.stride, c.pad).shape;
        const dy = tf.tensor4d(seededValues(rng, outShape.reduce((a, b) => a * b, 1)), outShape);
        return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { inputShape, strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC' }) as tf.Tensor;
      });
      expect(shapes[0]).toEqual([c.batch, c.size[0], c.size[1], c.inChannels]);
      expect(relativeError).toBeLessThan(TOLERANCE);
    });
  }

  it('agrees with conv2dTranspose (its public op) on cpu', async () => {
    const { relativeError } = await compareWithCpu('wasm', 5, (rng) => {
      const x = tf.tensor4d(seededValues(rng, 2 * 4 * 4 * 6), [2, 4, 4, 6]);
      const w = tf.tensor4d(seededValues(rng, 3 * 3 * 5 * 6), [3, 3, 5, 6]);
      return tf.conv2dTranspose(x, w, [2, 8, 8, 5], 2, 'same');
    });
    expect(relativeError).toBeLessThan(TOLERANCE);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';
import { backpropInputCase, convCases, describeCase } from './conv-cases';
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
      const { relativeError, shapes } = await compareWithCpu('wasm', 11, (rng) => backpropInputCase(c, rng));
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

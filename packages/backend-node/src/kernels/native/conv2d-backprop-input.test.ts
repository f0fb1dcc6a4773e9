import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';
import { backpropInputCase, describeCase } from '../wasm/conv-cases';
import { NATIVE_TOLERANCE, nativeConvCases } from './native-cases';

const native = loadNativeAddon();

describe.skipIf(!native.available)(`native Conv2DBackpropInput on wasm matches tfjs-cpu${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => wasmWithNativeKernels(threads));
      for (const c of nativeConvCases) {
        it(describeCase(c), async () => {
          const { relativeError, shapes } = await compareWithCpu('wasm', 11, (rng) => backpropInputCase(c, rng));
          expect(shapes[0]).toEqual([c.batch, c.size[0], c.size[1], c.inChannels]);
          expect(relativeError).toBeLessThan(NATIVE_TOLERANCE);
        });
      }
    });
  }

  it('agrees with the gradient of conv2d with respect to its input through tf.grad on cpu', async () => {
    await wasmWithNativeKernels(2);
    const { relativeError } = await compareWithCpu('wasm', 5, (rng) => {
      const x = tf.tensor4d(seededValues(rng, 2 * 9 * 8 * 3), [2, 9, 8, 3]);
      const w = tf.tensor4d(seededValues(rng, 3 * 3 * 3 * 5), [3, 3, 3, 5]);
      return tf.grad((input: tf.Tensor) => tf.sum(tf.square(tf.conv2d(input as tf.Tensor4D, w, 2, 'same'))))(x);
    });
    expect(relativeError).toBeLessThan(NATIVE_TOLERANCE);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';
import { describeCase } from '../wasm/conv-cases';
import { NATIVE_TOLERANCE, nativeConvCases } from './native-cases';

const native = loadNativeAddon();

describe.skipIf(!native.available)(`native Conv2D on wasm matches tfjs-cpu${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => wasmWithNativeKernels(threads));
      for (const c of nativeConvCases) {
        it(describeCase(c), async () => {
          const { relativeError, shapes } = await compareWithCpu('wasm', 17, (rng) => {
            const x = tf.tensor4d(seededValues(rng, c.batch * c.size[0] * c.size[1] * c.inChannels), [c.batch, c.size[0], c.size[1], c.inChannels]);
            const w = tf.tensor4d(seededValues(rng, c.kernel * c.kernel * c.inChannels * c.outChannels), [c.kernel, c.kernel, c.inChannels, c.outChannels]);
            return tf.conv2d(x, w, c.stride, c.pad);
          });
          expect(shapes[0]![3]).toBe(c.outChannels);
          expect(relativeError).toBeLessThan(NATIVE_TOLERANCE);
        });
      }
      it('dilation 2, 3×3, x [2, 11, 9, 5] → 6 channels', async () => {
        const { relativeError } = await compareWithCpu('wasm', 19, (rng) =>
          tf.conv2d(tf.tensor4d(seededValues(rng, 2 * 11 * 9 * 5), [2, 11, 9, 5]), tf.tensor4d(seededValues(rng, 9 * 5 * 6), [3, 3, 5, 6]), 1, 'same', 'NHWC', 2),
        );
        expect(relativeError).toBeLessThan(NATIVE_TOLERANCE);
      });
    });
  }
});

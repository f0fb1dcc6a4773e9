import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';
import { describeCase } from '../wasm/conv-cases';
import { NATIVE_TOLERANCE, nativeConvCases } from './native-cases';

const native = loadNativeAddon();

describe.skipIf(!native.available)(`native FusedConv2D (bias epilogue) on wasm${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => wasmWithNativeKernels(threads));
      for (const c of nativeConvCases) {
        it(`matches tfjs-cpu: ${describeCase(c)}`, async () => {
          const { relativeError, shapes } = await compareWithCpu('wasm', 23, (rng) => {
            const x = tf.tensor4d(seededValues(rng, c.batch * c.size[0] * c.size[1] * c.inChannels), [c.batch, c.size[0], c.size[1], c.inChannels]);
            const w = tf.tensor4d(seededValues(rng, c.kernel * c.kernel * c.inChannels * c.outChannels), [c.kernel, c.kernel, c.inChannels, c.outChannels]);
            const bias = tf.tensor1d(seededValues(rng, c.outChannels));
            return tf.fused.conv2d({ x, filter: w, strides: c.stride, pad: c.pad, bias });
          });
          expect(shapes[0]![3]).toBe(c.outChannels);
          expect(relativeError).toBeLessThan(NATIVE_TOLERANCE);
        });
      }

      it('gives exactly Conv2D followed by Add (the bias is added once the product is complete)', () => {
        const [fused, separate] = tf.tidy(() => {
          const x = tf.randomNormal([2, 19, 17, 40], 0, 1, 'float32', 1) as tf.Tensor4D;
          const w = tf.randomNormal([3, 3, 40, 70], 0, 0.2, 'float32', 2) as tf.Tensor4D;
          const bias = tf.randomNormal([70], 0, 1, 'float32', 3);
          const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];
          return [tf.fused.conv2d({ x, filter: w, strides: 2, pad, bias }).dataSync(), tf.add(tf.conv2d(x, w, 2, pad), bias).dataSync()];
        });
        expect(Array.from(fused)).toEqual(Array.from(separate));
      });

      it('hands other fusions (relu, no bias) to the replaced kernel, which still matches tfjs-cpu', async () => {
        for (const variant of ['relu', 'none'] as const) {
          const { relativeError } = await compareWithCpu('wasm', 29, (rng) => {
            const x = tf.tensor4d(seededValues(rng, 2 * 9 * 8 * 5), [2, 9, 8, 5]);
            const w = tf.tensor4d(seededValues(rng, 9 * 5 * 6), [3, 3, 5, 6]);
            const bias = tf.tensor1d(seededValues(rng, 6));
            return tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', ...(variant === 'none' ? {} : { bias }), ...(variant === 'relu' ? { activation: 'relu' as const } : {}) });
          });
          expect(relativeError, variant).toBeLessThan(NATIVE_TOLERANCE);
        }
      });
    });
  }
});

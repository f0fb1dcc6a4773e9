import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';

const native = loadNativeAddon();
const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

/** Shape, splits and axis: attention's q/k/v split, equal parts, a −1 size, a zero-size part, axis 0, and sizes past the threading threshold. */
const cases: { shape: number[]; splits: number | number[]; axis: number }[] = [
  { shape: [4, 6, 9], splits: 3, axis: 2 },
  { shape: [2, 4, 4, 6], splits: [1, 2, 3], axis: 3 },
  { shape: [2, 4, 4, 6], splits: [2, -1], axis: -1 },
  { shape: [5, 3, 2], splits: [0, 5], axis: 0 },
  { shape: [5, 3, 2], splits: [2, 3], axis: 0 },
  { shape: [3, 8, 5], splits: [3, 5], axis: 1 },
  { shape: [16, 32, 32, 192], splits: [128, 64], axis: 3 },
];

describe.skipIf(!native.available)(`native SplitV on wasm matches tfjs-cpu exactly${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => wasmWithNativeKernels(threads));

      it('is the native kernel', () => {
        expect(tf.getKernel(tf.SplitV, 'wasm')?.kernelFunc.toString()).toMatch(/addon\.blockCopy/);
      });

      for (const { shape, splits, axis } of cases) {
        it(`[${shape}] into ${JSON.stringify(splits)} on axis ${axis}`, async () => {
          const { relativeError, shapes } = await compareWithCpu('wasm', 7, (rng) => tf.split(tf.tensor(seededValues(rng, size(shape)), shape), splits, axis));
          expect(shapes).toHaveLength(typeof splits === 'number' ? splits : splits.length);
          expect(relativeError).toBe(0); // a copy
        });
      }

      it('is the gradient of Concat: ∂ of a weighted sum of a concatenation gives each input its weights', async () => {
        const { relativeError } = await compareWithCpu('wasm', 9, (rng) => {
          const a = tf.tensor(seededValues(rng, 2 * 3 * 4), [2, 3, 4]);
          const b = tf.tensor(seededValues(rng, 2 * 3 * 5), [2, 3, 5]);
          const weights = tf.tensor(seededValues(rng, 2 * 3 * 9), [2, 3, 9]);
          return tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 2), weights)))([a, b]);
        });
        expect(relativeError).toBe(0);
      });
    });
  }

  it('leaves int32 inputs to the kernel it replaced', async () => {
    const { relativeError } = await compareWithCpu('wasm', 1, () => tf.split(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [1, 2], 1));
    expect(relativeError).toBe(0);
  });
});

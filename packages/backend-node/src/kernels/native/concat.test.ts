import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';

const native = loadNativeAddon();
const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

/** Input shapes and axis: the U-Net's skip concatenation on channels, other axes, a negative axis, an empty input, one input, sizes past the threading threshold. */
const cases: { shapes: number[][]; axis: number }[] = [
  { shapes: [[2, 3], [2, 5]], axis: 1 },
  { shapes: [[2, 4, 4, 6], [2, 4, 4, 3], [2, 4, 4, 1]], axis: 3 },
  { shapes: [[2, 4, 4, 6], [2, 4, 4, 6]], axis: -1 },
  { shapes: [[1, 3, 2], [4, 3, 2]], axis: 0 },
  { shapes: [[3, 2, 5], [3, 7, 5]], axis: 1 },
  { shapes: [[3, 0, 5], [3, 2, 5]], axis: 1 },
  { shapes: [[5, 7]], axis: 1 },
  { shapes: [[16, 32, 32, 64], [16, 32, 32, 128]], axis: 3 },
];

describe.skipIf(!native.available)(`native Concat on wasm matches tfjs-cpu exactly${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => wasmWithNativeKernels(threads));

      it('is the native kernel', () => {
        expect(tf.getKernel(tf.Concat, 'wasm')?.kernelFunc.toString()).toMatch(/addon\.blockCopy/);
      });

      for (const { shapes, axis } of cases) {
        it(`[${shapes.map((s) => `[${s}]`).join(', ')}] on axis ${axis}`, async () => {
          const { relativeError, shapes: out } = await compareWithCpu('wasm', 5, (rng) => tf.concat(shapes.map((s) => tf.tensor(seededValues(rng, size(s)), s)), axis));
          expect(out[0]).toEqual(tf.backend_util.computeOutShape(shapes, axis < 0 ? shapes[0]!.length + axis : axis));
          expect(relativeError).toBe(0); // a copy
        });
      }
    });
  }

  it('leaves int32 inputs to the kernel it replaced', async () => {
    const { relativeError } = await compareWithCpu('wasm', 1, () => tf.concat([tf.tensor2d([1, 2], [1, 2], 'int32'), tf.tensor2d([3], [1, 1], 'int32')], 1));
    expect(relativeError).toBe(0);
  });

  it('leaves no tensor or heap bytes behind', async () => {
    await wasmWithNativeKernels(2);
    const before = tf.memory();
    const parts = [tf.ones([4, 3, 3, 8]), tf.zeros([4, 3, 3, 2])];
    const y = tf.concat(parts, 3);
    const total = tf.sum(y);
    expect(await total.data()).toEqual(new Float32Array([4 * 3 * 3 * 8]));
    tf.dispose([...parts, y, total]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';
import type { NATIVE_BINARY_OPS } from './binary';

const native = loadNativeAddon();

/** Same shapes, a scalar on either side, a bias row, GroupNorm's per-group statistics, rank change, both sides broadcast, and sizes past the threading threshold. */
const shapes: [number[], number[]][] = [
  [[3, 5], [3, 5]],
  [[4, 6], []],
  [[], [4, 6]],
  [[2, 4, 4, 6], [6]],
  [[3, 20, 4, 2], [3, 1, 4, 1]],
  [[3, 1, 4, 1], [3, 20, 4, 2]],
  [[5, 1, 3], [4, 1]],
  [[2, 1, 7], [1, 6, 1]],
  [[4, 64, 32, 9], [4, 1, 32, 1]],
  [[300, 300], [300, 300]],
  [[1, 300], [400, 1]],
  [[511, 1024], [1024]], // just below the threading threshold (2^19 elements): one thread
  [[2, 512, 520], [520]], // just above it: split over the threads
];
const ops: Record<keyof typeof NATIVE_BINARY_OPS, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  Add: tf.add,
  Sub: tf.sub,
  Multiply: tf.mul,
  RealDiv: tf.div,
  SquaredDifference: tf.squaredDifference,
};

describe.skipIf(!native.available)(`native element-wise kernels on wasm match tfjs-cpu${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  beforeAll(() => wasmWithNativeKernels(2));

  it('are the native kernels', () => {
    for (const name of Object.keys(ops)) expect(tf.getKernel(name, 'wasm')?.kernelFunc.toString()).toMatch(/addon\.binary/);
  });

  for (const [name, op] of Object.entries(ops)) {
    for (const [a, b] of shapes) {
      it(`${name} [${a}] with [${b}]`, async () => {
        const { relativeError, shapes: out } = await compareWithCpu('wasm', 3, (rng) => {
          const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
          // Divisors kept away from 0 so the comparison measures rounding, not a near-pole.
          const right = name === 'RealDiv' ? seededValues(rng, size(b)).map((v) => v + Math.sign(v || 1) * 0.5) : seededValues(rng, size(b));
          return op(tf.tensor(seededValues(rng, size(a)), a), tf.tensor(right, b));
        });
        expect(out[0]).toEqual(tf.backend_util.assertAndGetBroadcastShape(a, b));
        expect(relativeError).toBeLessThan(1e-6); // one float32 rounding per element
      });
    }
  }

  it('leave int32 operands to the kernels they replaced', async () => {
    const { relativeError, shapes: out } = await compareWithCpu('wasm', 1, () => tf.mul(tf.tensor1d([3, -4, 5], 'int32'), tf.tensor1d([2, 2, -7], 'int32')));
    expect(out[0]).toEqual([3]);
    expect(relativeError).toBe(0);
  });
});

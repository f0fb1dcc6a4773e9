import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';

const native = loadNativeAddon();

/** Leading axes (bias gradients), GroupNorm's [1, 3], trailing, all, none, negative, and sizes past the threading threshold. */
const cases: { shape: number[]; axis: number | number[] }[] = [
  { shape: [4, 5, 6, 7], axis: [0, 1, 2] },
  { shape: [4, 50, 8, 2], axis: [1, 3] },
  { shape: [4, 5, 6], axis: 2 },
  { shape: [4, 5, 6], axis: [0, 1, 2] },
  { shape: [4, 5, 6], axis: [] },
  { shape: [4, 5, 6], axis: -2 },
  { shape: [16, 32, 32, 64], axis: [0, 1, 2] },
  { shape: [16, 1024, 32, 2], axis: [1, 3] },
  { shape: [3, 70000], axis: 1 },
];

describe.skipIf(!native.available)(`native Sum and Mean on wasm match tfjs-cpu${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  beforeAll(() => wasmWithNativeKernels(2));

  for (const { shape, axis } of cases) {
    for (const keepDims of [false, true]) {
      for (const [name, op] of [
        ['Sum', tf.sum],
        ['Mean', tf.mean],
      ] as const) {
        it(`${name} of [${shape}] over ${JSON.stringify(axis)}${keepDims ? ', keepDims' : ''}`, async () => {
          const { relativeError, shapes } = await compareWithCpu('wasm', 9, (rng) => op(tf.tensor(seededValues(rng, shape.reduce((a, b) => a * b, 1)), shape), axis, keepDims));
          const reduced = new Set(tf.util.parseAxisParam(axis, shape));
          expect(shapes[0]).toEqual(shape.flatMap((s, d) => (!reduced.has(d) ? [s] : keepDims ? [1] : [])));
          // tfjs-cpu sums in float32 (up to 1e6 terms of ±1): its own rounding bounds the agreement.
          expect(relativeError).toBeLessThan(1e-4);
        });
      }
    }
  }

  it('sums 2²⁰ copies of 0.1 to float32 rounding (double accumulation), where a float32 running sum drifts by 4 %', async () => {
    await tf.setBackend('wasm');
    const total = tf.tidy(() => tf.sum(tf.fill([16, 1024, 64], 0.1), [0, 1, 2]));
    expect((await total.data())[0]).toBeCloseTo(Math.fround(0.1) * 2 ** 20, 2);
    const mean = tf.tidy(() => tf.mean(tf.fill([1 << 20], 0.1), 0));
    expect((await mean.data())[0]).toBeCloseTo(0.1, 7);
    tf.dispose([total, mean]);
  });
});

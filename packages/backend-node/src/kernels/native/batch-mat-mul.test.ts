import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';
import { NATIVE_TOLERANCE } from './native-cases';

const native = loadNativeAddon();
const mat = (rows: number, cols: number, transposed: boolean) => (transposed ? [cols, rows] : [rows, cols]);

/** Every transpose pair over: a small 2-D product, a batch, a broadcast single matrix, a broadcast the native kernel hands back (odd outer shapes), and sizes past one KC/MC block. */
const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [];
for (const transposeA of [false, true]) {
  for (const transposeB of [false, true]) {
    const t = { transposeA, transposeB };
    cases.push({ a: mat(5, 7, transposeA), b: mat(7, 3, transposeB), ...t });
    cases.push({ a: [4, ...mat(5, 7, transposeA)], b: [4, ...mat(7, 3, transposeB)], ...t });
    cases.push({ a: [3, ...mat(6, 9, transposeA)], b: mat(9, 35, transposeB), ...t });
    cases.push({ a: [2, 1, ...mat(4, 5, transposeA)], b: [1, 3, ...mat(5, 2, transposeB)], ...t });
    cases.push({ a: [2, ...mat(150, 300, transposeA)], b: [2, ...mat(300, 70, transposeB)], ...t });
  }
}

describe.skipIf(!native.available)(`native BatchMatMul on wasm matches tfjs-cpu${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => wasmWithNativeKernels(threads));
      for (const c of cases) {
        it(`[${c.a}]${c.transposeA ? 'ᵀ' : ''} × [${c.b}]${c.transposeB ? 'ᵀ' : ''}`, async () => {
          const { relativeError } = await compareWithCpu('wasm', 13, (rng) =>
            tf.matMul(tf.tensor(seededValues(rng, c.a.reduce((x, y) => x * y)), c.a), tf.tensor(seededValues(rng, c.b.reduce((x, y) => x * y)), c.b), c.transposeA, c.transposeB),
          );
          expect(relativeError).toBeLessThan(NATIVE_TOLERANCE);
        });
      }
    });
  }
});

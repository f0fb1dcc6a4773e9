import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';
import { registerWasmTrainingKernels } from './register-wasm-training-kernels';

/** Float32 dot products of ≤ 70 terms: 1e-5 of the largest value. */
const TOLERANCE = 1e-5;

const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [];
for (const transposeA of [false, true]) {
  for (const transposeB of [false, true]) {
    const m = 5;
    const k = 7;
    const n = 3;
    const mat = (rows: number, cols: number, t: boolean) => (t ? [cols, rows] : [rows, cols]);
    cases.push({ a: mat(m, k, transposeA), b: mat(k, n, transposeB), transposeA, transposeB }); // 2-D
    cases.push({ a: [4, ...mat(m, k, transposeA)], b: [4, ...mat(k, n, transposeB)], transposeA, transposeB }); // batched
    cases.push({ a: [2, 3, ...mat(1, 70, transposeA)], b: [1, 1, ...mat(70, 1, transposeB)], transposeA, transposeB }); // broadcast, 1-wide
  }
}

describe('BatchMatMul on wasm matches tfjs-cpu', () => {
  beforeAll(wasmWithTrainingKernels);

  for (const c of cases) {
    it(`[${c.a}]${c.transposeA ? 'ᵀ' : ''} × [${c.b}]${c.transposeB ? 'ᵀ' : ''}`, async () => {
      const { relativeError } = await compareWithCpu('wasm', 13, (rng) =>
        tf.matMul(tf.tensor(seededValues(rng, c.a.reduce((x, y) => x * y)), c.a), tf.tensor(seededValues(rng, c.b.reduce((x, y) => x * y)), c.b), c.transposeA, c.transposeB),
      );
      expect(relativeError).toBeLessThan(TOLERANCE);
    });
  }

  it('registering twice keeps one replacement around the shipped kernel, not a chain', async () => {
    expect(registerWasmTrainingKernels('wasm')).toEqual([]);
    const { relativeError } = await compareWithCpu('wasm', 2, (rng) =>
      tf.matMul(tf.tensor2d(seededValues(rng, 12), [4, 3]), tf.tensor2d(seededValues(rng, 6), [2, 3]), false, true),
    );
    expect(relativeError).toBeLessThan(TOLERANCE);
  });
});

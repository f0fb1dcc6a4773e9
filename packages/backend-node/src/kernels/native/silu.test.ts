import * as tf from '@tensorflow/tfjs-core';
import { SILU_GRAD_KERNEL, SILU_KERNEL, hasFusedSilu } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';

const native = loadNativeAddon();

/** x from −100 to 100: the saturated tails, the curved middle, exact zero. */
function inputs(size: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => -100 + (200 * i) / (size - 1));
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** max |got − want| / max(1, |want|) against float64. */
function worstError(got: Float32Array, want: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want(i)) / Math.max(1, Math.abs(want(i))));
  return worst;
}

describe.skipIf(!native.available)(`native fused SiLU on wasm matches float64${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    // 7 elements stays on one thread; 200 001 crosses the threading threshold.
    for (const size of [7, 200_001]) {
      it(`${threads} thread${threads > 1 ? 's' : ''}, ${size} values in [−100, 100]: y within 5e-7 and ∂x within 2e-6 of max(1, |value|)`, async () => {
        await wasmWithNativeKernels(threads);
        expect(hasFusedSilu('wasm')).toBe(true);
        const xs = inputs(size);
        const dys = Float32Array.from({ length: size }, (_, i) => Math.cos(i));
        const x = tf.tensor1d(xs);
        const dy = tf.tensor1d(dys);
        const y = tf.engine().runKernel(SILU_KERNEL, { x }) as tf.Tensor;
        const dx = tf.engine().runKernel(SILU_GRAD_KERNEL, { dy, x }) as tf.Tensor;
        // Tolerances: a few float32 roundings of the polynomial exp, division and products.
        expect(worstError((await y.data()) as Float32Array, (i) => xs[i]! * sigmoid(xs[i]!))).toBeLessThan(5e-7);
        expect(worstError((await dx.data()) as Float32Array, (i) => dys[i]! * sigmoid(xs[i]!) * (1 + xs[i]! * (1 - sigmoid(xs[i]!))))).toBeLessThan(2e-6);
        tf.dispose([x, dy, y, dx]);
      });
    }
  }

  it('keeps shapes, refuses mismatched dy, and leaves nothing behind', async () => {
    await wasmWithNativeKernels(2);
    const before = tf.memory();
    const x = tf.ones([2, 3, 4]);
    const y = tf.engine().runKernel(SILU_KERNEL, { x }) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 4]);
    const wrong = tf.ones([3]);
    expect(() => tf.engine().runKernel(SILU_GRAD_KERNEL, { dy: wrong, x })).toThrow(/must have one shape/);
    tf.dispose([x, y, wrong]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

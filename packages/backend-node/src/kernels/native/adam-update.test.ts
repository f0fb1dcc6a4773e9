import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE_KERNEL, hasFusedAdam, type AdamUpdateAttrs } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';

const native = loadNativeAddon();

/** Step 3 of Adam at lr 1e-3, as a caller computes the coefficients. */
const attrs: AdamUpdateAttrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3), secondCorrection: Math.sqrt(1 - 0.999 ** 3) };

function values(size: number, seed: number, scale: number, positive = false): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => {
    const x = Math.sin(seed * 12.9898 + i * 78.233) * scale;
    return positive ? x * x : x;
  });
}

describe.skipIf(!native.available)(`native fused Adam update on wasm matches float64${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    // 5 elements stays on one thread; 100 003 crosses the threading threshold.
    for (const size of [5, 100_003]) {
      it(`${threads} thread${threads > 1 ? 's' : ''}, ${size} values: m′ and v′ within 1e-6 of their terms' size, param′ − param within 1e-3 of lr, against float64`, async () => {
        await wasmWithNativeKernels(threads);
        expect(hasFusedAdam('wasm')).toBe(true);
        const [p, m, v, g] = [values(size, 1, 2), values(size, 2, 0.1), values(size, 3, 0.1, true), values(size, 4, 1)];
        const inputs = { param: tf.tensor1d(p!), m: tf.tensor1d(m!), v: tf.tensor1d(v!), grad: tf.tensor1d(g!) };
        const outputs = tf.engine().runKernel(ADAM_UPDATE_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        const [gotP, gotM, gotV] = await Promise.all(outputs.map((t) => t.data()));
        let worst = [0, 0, 0];
        for (let i = 0; i < size; i++) {
          const nm = attrs.beta1 * m[i]! + (1 - attrs.beta1) * g[i]!;
          const nv = attrs.beta2 * v[i]! + (1 - attrs.beta2) * g[i]! ** 2;
          const np = p[i]! - (attrs.stepSize * nm) / (Math.sqrt(nv) / attrs.secondCorrection + attrs.epsilon);
          // The update itself is ~1e-3 of the parameter: it is checked on its own, relative to lr.
          // m′ and v′ relative to the size of their terms, so a cancellation does not inflate the measure.
          const mScale = attrs.beta1 * Math.abs(m[i]!) + (1 - attrs.beta1) * Math.abs(g[i]!);
          const vScale = attrs.beta2 * v[i]! + (1 - attrs.beta2) * g[i]! ** 2;
          const errors = [Math.abs(gotP![i]! - p[i]! - (np - p[i]!)) / 1e-3, Math.abs(gotM![i]! - nm) / Math.max(1e-30, mScale), Math.abs(gotV![i]! - nv) / Math.max(1e-30, vScale)];
          worst = worst.map((w, k) => Math.max(w, errors[k]!));
        }
        // param′ − param carries the rounding of param (2⁻²⁴·2 ≈ 1.2e-7) against an update of size ≤ lr·~3: 1e-3 of lr.
        expect(worst[0]).toBeLessThan(1e-3);
        expect(worst[1]).toBeLessThan(1e-6);
        expect(worst[2]).toBeLessThan(1e-6);
        tf.dispose([...Object.values(inputs), ...outputs]);
      });
    }
  }

  it('refuses a gradient of another shape, and leaves nothing behind', async () => {
    await wasmWithNativeKernels(2);
    const before = tf.memory();
    const inputs = { param: tf.ones([2, 3]), m: tf.zeros([2, 3]), v: tf.zeros([2, 3]), grad: tf.ones([3, 2]) };
    expect(() => tf.engine().runKernel(ADAM_UPDATE_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap)).toThrow(/grad \[3,2\] must have the shape of param \[2,3\]/);
    tf.dispose(Object.values(inputs));
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});

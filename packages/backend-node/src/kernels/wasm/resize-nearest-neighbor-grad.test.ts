import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasmWithTrainingKernels } from '../../testing/wasm-setup';
import { registerCpuKernelFixes } from '../cpu/resize-nearest-neighbor-grad';
import { powerOfTwoFactor } from './resize-nearest-neighbor-grad';

const values = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 3);

/** The gradient on `backend` through the kernel, for images [n, h, w, c] resized to outH × outW. */
async function gradOn(backend: string, shape: [number, number, number, number], outH: number, outW: number, attrs = { alignCorners: false, halfPixelCenters: false }): Promise<Float32Array> {
  await tf.setBackend(backend);
  const dx = tf.tidy(() => {
    const images = tf.zeros(shape);
    const dy = tf.tensor4d(values(shape[0] * outH * outW * shape[3], 1), [shape[0], outH, outW, shape[3]]);
    return tf.engine().runKernel(tf.ResizeNearestNeighborGrad, { images, dy }, attrs) as tf.Tensor;
  });
  const out = (await dx.data()) as Float32Array;
  dx.dispose();
  return out;
}

describe('ResizeNearestNeighborGrad on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerCpuKernelFixes('cpu');
    await wasmWithTrainingKernels();
  });

  it.each([
    [[16, 16, 16, 64], 32, 32],
    [[3, 5, 7, 3], 10, 14],
    [[2, 4, 3, 5], 16, 3],
    [[1, 1, 1, 1], 8, 8],
  ] as const)('power-of-two factors, %j → %i × %i: bit for bit the corrected tfjs-cpu kernel', async (shape, outH, outW) => {
    const onWasm = await gradOn('wasm', [...shape], outH, outW);
    const onCpu = await gradOn('cpu', [...shape], outH, outW);
    expect(onWasm.length).toBe(onCpu.length);
    const differing = onWasm.findIndex((v, i) => !Object.is(v, onCpu[i])); // not toEqual: its diff of 262,144 values would take minutes
    expect(differing, differing < 0 ? '' : `first difference at ${differing}: ${onWasm[differing]} vs ${onCpu[differing]}`).toBe(-1);
  });

  it("is the gradient tf.grad takes through a ×2 resize, each input pixel the sum of its 2×2 block", async () => {
    await tf.setBackend('wasm');
    const dyValues = values(2 * 6 * 4 * 3, 2);
    const dx = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 4]), tf.tensor4d(dyValues, [2, 6, 4, 3]))))(tf.zeros([2, 3, 2, 3])));
    const got = await dx.data();
    for (let b = 0; b < 2; b++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 2; x++)
          for (let c = 0; c < 3; c++) {
            const at = (yy: number, xx: number) => dyValues[((b * 6 + yy) * 4 + xx) * 3 + c]!;
            const want = at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1);
            expect(got[((b * 3 + y) * 2 + x) * 3 + c]).toBeCloseTo(want, 5);
          }
    dx.dispose();
  });

  it('takes the fast path only for power-of-two factors', () => {
    expect([powerOfTwoFactor(16, 32), powerOfTwoFactor(5, 5), powerOfTwoFactor(3, 24), powerOfTwoFactor(3, 9), powerOfTwoFactor(4, 6), powerOfTwoFactor(8, 4)]).toEqual([
      2,
      1,
      8,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('hands other geometries to the shipped kernel, which agrees with tfjs-cpu there at batch 1 (×3; ×2 with alignCorners)', async () => {
    for (const [shape, outH, outW, attrs] of [
      [[1, 3, 3, 2], 9, 9, { alignCorners: false, halfPixelCenters: false }],
      [[1, 4, 4, 2], 8, 8, { alignCorners: true, halfPixelCenters: false }],
    ] as const) {
      const onWasm = await gradOn('wasm', [...shape], outH, outW, attrs);
      const onCpu = await gradOn('cpu', [...shape], outH, outW, attrs);
      onWasm.forEach((v, i) => expect(Math.abs(v - onCpu[i]!), `${JSON.stringify(attrs)} at ${i}`).toBeLessThan(1e-5));
    }
  });
});

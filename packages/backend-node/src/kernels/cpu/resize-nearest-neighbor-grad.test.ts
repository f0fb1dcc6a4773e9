import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureGradients } from '../../gradients/ensure-gradients';
import { registerCpuKernelFixes } from './resize-nearest-neighbor-grad';

/** float64 adjoint of nearest-neighbour ×2 with tfjs' default corners: dx[n,i,j] = Σ of its 2×2 block of dy. */
function blockSums(dy: Float32Array, [n, h, w, c]: readonly number[]): Float64Array {
  const out = new Float64Array(n! * h! * w! * c!);
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < 2 * h!; y++)
      for (let x = 0; x < 2 * w!; x++)
        for (let k = 0; k < c!; k++) out[((b * h! + (y >> 1)) * w! + (x >> 1)) * c! + k]! += dy[((b * 2 * h! + y) * 2 * w! + x) * c! + k]!;
  return out;
}

describe('ResizeNearestNeighborGrad on cpu, corrected', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerCpuKernelFixes('cpu');
    await ensureGradients();
  });

  it('is the exact adjoint of ×2 upsampling at batch 3 (exact: sums of 4 values)', async () => {
    const shape = [3, 3, 2, 2];
    const dyValues = Float32Array.from({ length: 3 * 6 * 4 * 2 }, (_, i) => Math.sin(i));
    const dx = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [6, 4]), tf.tensor4d(dyValues, [3, 6, 4, 2]))))(tf.zeros(shape)));
    const expected = blockSums(dyValues, shape);
    const got = await dx.data();
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    dx.dispose();
  });

  it('is the adjoint of the forward op for odd sizes, alignCorners and halfPixelCenters (1e-5)', async () => {
    // Reference from the forward op alone: resize an image whose values are their own flat indices,
    // then add every dy value to the input pixel the forward op copied it from.
    const [batch, inH, inW, outH, outW] = [2, 3, 5, 7, 8];
    for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]] as const) {
      const dyValues = Float32Array.from({ length: batch * outH * outW }, (_, i) => Math.cos(i));
      const { dx, sources } = tf.tidy(() => {
        const indices = tf.reshape(tf.range(0, batch * inH * inW, 1, 'float32'), [batch, inH, inW, 1]) as tf.Tensor4D;
        const images = tf.zeros([batch, inH, inW, 1]);
        const dy = tf.tensor4d(dyValues, [batch, outH, outW, 1]);
        return {
          dx: tf.engine().runKernel(tf.ResizeNearestNeighborGrad, { images, dy }, { alignCorners, halfPixelCenters }) as tf.Tensor,
          sources: tf.image.resizeNearestNeighbor(indices, [outH, outW], alignCorners, halfPixelCenters),
        };
      });
      const expected = new Float64Array(batch * inH * inW);
      (await sources.data()).forEach((source, o) => (expected[source]! += dyValues[o]!));
      const got = await dx.data();
      got.forEach((v, i) => expect(Math.abs(v - expected[i]!), `alignCorners ${alignCorners}, halfPixelCenters ${halfPixelCenters}`).toBeLessThan(1e-5));
      tf.dispose([dx, sources]);
    }
  });
});

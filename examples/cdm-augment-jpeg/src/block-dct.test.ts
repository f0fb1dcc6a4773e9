import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@cdm/core';
import { blockDct, inverseBlockDct } from './block-dct';

/** The 2-D DCT-II of one 8×8 block straight from its definition (T.81 §A.3.3), in float64. */
function referenceDct(block: (i: number, j: number) => number, u: number, v: number): number {
  const c = (k: number) => (k === 0 ? Math.SQRT1_2 : 1);
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    for (let j = 0; j < 8; j++) sum += block(i, j) * Math.cos(((2 * i + 1) * u * Math.PI) / 16) * Math.cos(((2 * j + 1) * v * Math.PI) / 16);
  }
  return (c(u) * c(v) * sum) / 4;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('blockDct', () => {
  it('matches the textbook DCT-II of every 8×8 block (float64 reference, 1e-3 on values up to ±128·8)', async () => {
    const rng = createRng(1);
    const [n, h, w] = [2, 16, 24];
    const values = Float32Array.from({ length: n * h * w }, () => Math.round(rng.uniform() * 255) - 128);
    const images = tf.tensor4d(values, [n, h, w, 1]);
    const coefficients = blockDct(images);
    expect(coefficients.shape).toEqual([n, 2, 3, 64]);
    const out = await coefficients.data();
    let worst = 0;
    for (let b = 0; b < n; b++) {
      for (let by = 0; by < 2; by++) {
        for (let bx = 0; bx < 3; bx++) {
          const pixel = (i: number, j: number) => values[(b * h + by * 8 + i) * w + bx * 8 + j]!;
          for (let u = 0; u < 8; u++) {
            for (let v = 0; v < 8; v++) {
              const actual = out[((b * 2 + by) * 3 + bx) * 64 + u * 8 + v]!;
              worst = Math.max(worst, Math.abs(actual - referenceDct(pixel, u, v)));
            }
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([images, coefficients]);
  });

  it('is inverted exactly by inverseBlockDct (orthonormal basis; 1e-4)', async () => {
    const rng = createRng(2);
    const images = tf.tensor4d(rng.normalArray(3 * 8 * 16), [3, 8, 16, 1]);
    const back = tf.tidy(() => inverseBlockDct(blockDct(images)));
    const error = tf.tidy(() => tf.max(tf.abs(tf.sub(back, images))));
    expect((await error.data())[0]).toBeLessThan(1e-4);
    tf.dispose([images, back, error]);
  });
});

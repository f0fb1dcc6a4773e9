import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { downsampleArea, upsampleImages } from './upsample';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Float64 per-pixel reference of PyTorch's interpolate (align_corners=False), written from its
 * definition: bilinear clamps the source coordinate at 0 and the right tap at the border; bicubic
 * uses Keys' kernel with a = −0.75 and clamps each of its 4 taps.
 */
function reference(image: Float64Array, n: number, m: number, method: 'bilinear' | 'bicubic'): Float64Array {
  const w = (x: number) => {
    const a = -0.75;
    const t = Math.abs(x);
    return t <= 1 ? (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1 : t < 2 ? a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a : 0;
  };
  const taps = (i: number): [number, number][] => {
    const src = ((i + 0.5) * n) / m - 0.5;
    if (method === 'bilinear') {
      const s = Math.max(src, 0);
      const l = Math.floor(s);
      return [
        [Math.min(l, n - 1), 1 - (s - l)],
        [Math.min(l + 1, n - 1), s - l],
      ];
    }
    const l = Math.floor(src);
    return [-1, 0, 1, 2].map((k) => [Math.min(Math.max(l + k, 0), n - 1), w(src - (l + k))] as [number, number]);
  };
  const out = new Float64Array(m * m);
  for (let y = 0; y < m; y++)
    for (let x = 0; x < m; x++)
      for (const [iy, wy] of taps(y)) for (const [ix, wx] of taps(x)) out[y * m + x] = out[y * m + x]! + wy * wx * image[iy * n + ix]!;
  return out;
}

describe('upsampleImages', () => {
  it.each(['bilinear', 'bicubic'] as const)('matches a float64 reference of PyTorch %s interpolation (1e-5)', async (method) => {
    for (const [n, m] of [[8, 16], [16, 32], [5, 12], [16, 64]] as const) {
      const values = createRng(n * m).uniformArray(2 * n * n * 3).map((u) => 2 * u - 1);
      const images = tf.tensor4d(values, [2, n, n, 3]);
      const up = upsampleImages(images, m, method);
      expect(up.shape).toEqual([2, m, m, 3]);
      const got = await up.data();
      for (let b = 0; b < 2; b++) {
        for (let c = 0; c < 3; c++) {
          const plane = Float64Array.from({ length: n * n }, (_, i) => values[(b * n * n + i) * 3 + c]!);
          const expected = reference(plane, n, m, method);
          for (let i = 0; i < m * m; i++) expect(Math.abs(got[(b * m * m + i) * 3 + c]! - expected[i]!)).toBeLessThan(1e-5);
        }
      }
      tf.dispose([images, up]);
    }
  });

  it('keeps constant images constant and is the identity at the same size', async () => {
    const flat = tf.fill([1, 6, 6, 2], 0.3) as tf.Tensor4D;
    for (const method of ['bilinear', 'bicubic'] as const) {
      const up = upsampleImages(flat, 18, method);
      expect(Math.max(...Array.from(await up.data()).map((v) => Math.abs(v - 0.3)))).toBeLessThan(1e-6);
      const same = upsampleImages(flat, 6, method);
      expect(Array.from(await same.data())).toEqual(Array.from(await flat.data()));
      tf.dispose([up, same]);
    }
    flat.dispose();
  });
});

describe('downsampleArea', () => {
  it('averages each factor×factor block and rejects non-integer factors', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    const down = downsampleArea(x, 2);
    expect(Array.from(await down.data())).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect(() => downsampleArea(x, 3)).toThrow(/divides 4×4 by an integer factor/);
    tf.dispose([x, down]);
  });
});

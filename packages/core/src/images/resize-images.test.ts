import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { resamplingMatrix, resizeImages } from './resize-images';

describe('resamplingMatrix', () => {
  it('bilinear ×2 follows half-pixel centres with the edges clamped', () => {
    // Output pixel o samples (o + ½)/2 − ½: −¼, ¼, ¾, 5/4 for 2 → 4.
    expect(Array.from(resamplingMatrix(2, 4, 'bilinear'))).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
  });

  it('bicubic rows are Keys(a = −0.75) weights that sum to 1', () => {
    const m = resamplingMatrix(4, 8, 'bicubic');
    for (let o = 0; o < 8; o++) {
      const row = Array.from(m.subarray(o * 4, o * 4 + 4));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    // Output 3 samples 1.25: taps at 0…3 with t = ¼, weights W(1.25), W(0.25), W(0.75), W(1.75) of
    // Keys' kernel W(x) = (a+2)|x|³ − (a+3)|x|² + 1 (|x| ≤ 1), a|x|³ − 5a|x|² + 8a|x| − 4a (1 < |x| < 2).
    expect(Array.from(m.subarray(12, 16))).toEqual([-0.10546875, 0.87890625, 0.26171875, -0.03515625]);
  });
});

describe('resizeImages', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches tfjs half-pixel bilinear resizing, and copies a same-size input', async () => {
    const image = tf.reshape(tf.sin(tf.range(0, 2 * 3 * 5 * 2)), [2, 3, 5, 2]) as tf.Tensor4D;
    const ours = resizeImages(image, 6, 10, 'bilinear');
    const theirs = tf.image.resizeBilinear(image, [6, 10], false, true);
    expect(ours.shape).toEqual([2, 6, 10, 2]);
    const diff = (await tf.max(tf.abs(tf.sub(ours, theirs))).data())[0]!;
    expect(diff).toBeLessThan(1e-6);
    const same = resizeImages(image, 3, 5, 'bicubic');
    expect(same).not.toBe(image);
    expect(Array.from(await same.data())).toEqual(Array.from(await image.data()));
    tf.dispose([image, ours, theirs, same]);
  });
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

describe('resizeImages against a float64 reference', () => {
  it.each(['bilinear', 'bicubic'] as const)('matches a float64 reference of PyTorch %s interpolation (1e-5)', async (method) => {
    for (const [n, m] of [[8, 16], [16, 32], [5, 12], [16, 64]] as const) {
      const values = createRng(n * m).uniformArray(2 * n * n * 3).map((u) => 2 * u - 1);
      const images = tf.tensor4d(values, [2, n, n, 3]);
      const up = resizeImages(images, m, m, method);
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
      const up = resizeImages(flat, 18, 18, method);
      expect(Math.max(...Array.from(await up.data()).map((v) => Math.abs(v - 0.3)))).toBeLessThan(1e-6);
      const same = resizeImages(flat, 6, 6, method);
      expect(Array.from(await same.data())).toEqual(Array.from(await flat.data()));
      tf.dispose([up, same]);
    }
    flat.dispose();
  });
});


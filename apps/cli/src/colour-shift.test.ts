import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { resizeImages } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { colourShift } from './colour-shift';

/** A deterministic pseudo-random image set in [−1, 1]. */
function images(count: number, resolution: number, channels: number, seed: number): Float32Array {
  const out = new Float32Array(count * resolution * resolution * channels);
  let state = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32) * 2 - 1;
  }
  return out;
}

describe('colourShift', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('equals the mean of the output minus the mean of the explicitly upsampled input (float64 sum vs float32 resize: 1e-3 levels)', () => {
    for (const method of ['bicubic', 'bilinear'] as const) {
      const [n, low, high, c] = [5, 7, 14, 3];
      const input = images(n, low, c, 1);
      const output = images(n, high, c, 2);
      const up = tf.tidy(() => resizeImages(tf.tensor4d(input, [n, low, low, c]), high, high, method).dataSync() as Float32Array);
      const expected = Array.from({ length: c }, (_, ch) => {
        let total = 0;
        for (let s = 0; s < n; s++) {
          let o = 0;
          let u = 0;
          for (let p = 0; p < high * high; p++) {
            o += output[(s * high * high + p) * c + ch]!;
            u += up[(s * high * high + p) * c + ch]!;
          }
          total += ((o - u) / (high * high)) * 127.5;
        }
        return total / n;
      });
      const result = colourShift({ images: output, count: n, resolution: high, channels: c }, { images: input, count: n, resolution: low, channels: c }, method);
      result.channels.forEach((ch, i) => {
        expect(Math.abs(ch.shift - expected[i]!)).toBeLessThan(1e-3);
        expect(ch.low).toBeLessThan(ch.shift);
        expect(ch.high).toBeGreaterThan(ch.shift);
      });
    }
  });

  it('is 0 when the output is the upsampled input, and +10 levels when the output is brighter by 10 levels', () => {
    const [n, low, high] = [4, 7, 28];
    const input = images(n, low, 1, 3);
    const up = tf.tidy(() => resizeImages(tf.tensor4d(input, [n, low, low, 1]), high, high, 'bicubic').dataSync() as Float32Array);
    const same = colourShift({ images: up, count: n, resolution: high, channels: 1 }, { images: input, count: n, resolution: low, channels: 1 }, 'bicubic');
    expect(Math.abs(same.channels[0]!.shift)).toBeLessThan(1e-4);
    const brighter = up.map((v) => v + 10 / 127.5);
    const shifted = colourShift({ images: brighter, count: n, resolution: high, channels: 1 }, { images: input, count: n, resolution: low, channels: 1 }, 'bicubic');
    expect(shifted.channels[0]!.shift).toBeCloseTo(10, 3);
    expect(shifted.channels[0]!.std).toBeLessThan(1e-3);
    expect(shifted.meanAbsMax).toBeCloseTo(10, 3);
  });

  it('refuses sets that do not pair up', () => {
    const a = { images: new Float32Array(2 * 4 * 4), count: 2, resolution: 4, channels: 1 };
    const b = { images: new Float32Array(3 * 2 * 2), count: 3, resolution: 2, channels: 1 };
    expect(() => colourShift(a, b, 'bicubic')).toThrow(/same count/);
  });
});

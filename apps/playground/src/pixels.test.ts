import { describe, expect, it } from 'vitest';
import { toByte, toRgba } from './pixels';

describe('toByte', () => {
  it('maps −1 → 0, 0 → 128 (127.5 rounds up), 1 → 255 and clips outside [−1, 1]', () => {
    expect([-1, 0, 1, -3, 2].map(toByte)).toEqual([0, 128, 255, 0, 255]);
    expect(toByte(-0.5)).toBe(Math.round(0.5 * 127.5));
  });
});

describe('toRgba', () => {
  it('picks the image of the batch and makes RGB opaque RGBA', () => {
    // 2 images of 1×2 RGB: the second is [(1, −1, 0), (−1, 1, 1)].
    const values = Float32Array.from([0, 0, 0, 0, 0, 0, 1, -1, 0, -1, 1, 1]);
    expect(Array.from(toRgba({ count: 2, height: 1, width: 2, channels: 3, values }, 1))).toEqual([255, 0, 128, 255, 0, 255, 255, 255]);
  });

  it('repeats grey into R, G and B', () => {
    const values = Float32Array.from([1, -1]);
    expect(Array.from(toRgba({ count: 1, height: 1, width: 2, channels: 1, values }, 0))).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
  });

  it('rejects an index outside the batch', () => {
    expect(() => toRgba({ count: 1, height: 1, width: 1, channels: 3, values: new Float32Array(3) }, 1)).toThrow(/outside the batch of 1/);
  });
});

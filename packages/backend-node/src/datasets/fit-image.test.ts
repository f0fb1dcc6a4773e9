import { describe, expect, it } from 'vitest';
import { fitImage, flipHorizontal } from './fit-image';

const toLevel = (v: number) => (v + 1) * 127.5;

describe('fitImage', () => {
  it('downscales by an integer factor as exact block means, mapped to [−1, 1]', () => {
    // 4×4 grey, values 0…15 ·10, to 2×2: block means by hand.
    const data = Uint8Array.from({ length: 16 }, (_, i) => i * 10);
    const out = fitImage({ width: 4, height: 4, channels: 1, data }, 2, 1);
    expect(Array.from(out, toLevel).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([25, 45, 105, 125]);
  });

  it('center-crops the longer side, and keeps a same-size image unchanged', () => {
    // 5 wide × 3 high: the crop keeps columns 1…3.
    const data = Uint8Array.from({ length: 15 }, (_, i) => (i % 5) * 50);
    const out = fitImage({ width: 5, height: 3, channels: 1, data }, 3, 1);
    expect(Array.from(out, toLevel).map(Math.round)).toEqual([50, 100, 150, 50, 100, 150, 50, 100, 150]);
  });

  it('resamples by a fractional factor with area weights (3 → 2: weights 1, ½ | ½, 1)', () => {
    const data = Uint8Array.from([0, 90, 180, 0, 90, 180, 0, 90, 180]);
    const out = fitImage({ width: 3, height: 3, channels: 1, data }, 2, 1);
    expect(Array.from(out, toLevel).map((v) => Math.round(v * 1e3) / 1e3)).toEqual([30, 150, 30, 150]);
  });

  it('converts grey to RGB, RGBA to RGB (alpha dropped) and RGB to grey (Rec. 601)', () => {
    expect(Array.from(fitImage({ width: 1, height: 1, channels: 1, data: Uint8Array.from([255]) }, 1, 3))).toEqual([1, 1, 1]);
    expect(Array.from(fitImage({ width: 1, height: 1, channels: 4, data: Uint8Array.from([0, 255, 0, 7]) }, 1, 3))).toEqual([-1, 1, -1]);
    const grey = fitImage({ width: 1, height: 1, channels: 3, data: Uint8Array.from([100, 200, 50]) }, 1, 1);
    expect(toLevel(grey[0]!)).toBeCloseTo(0.299 * 100 + 0.587 * 200 + 0.114 * 50, 3);
  });

  it('flips rows left to right', () => {
    const pixels = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(flipHorizontal(pixels, 3, 1))).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
  });
});

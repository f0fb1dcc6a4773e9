import { describe, expect, it } from 'vitest';
import { philox4x32 } from './philox';

const words = (text: string) => text.trim().split(/\s+/).map((w) => parseInt(w, 16));

describe('philox4x32 (Philox4x32-10)', () => {
  // The known-answer vectors published with Random123 (counter words, key words → output words).
  it.each([
    ['00000000 00000000 00000000 00000000', '00000000 00000000', '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
    ['ffffffff ffffffff ffffffff ffffffff', 'ffffffff ffffffff', '408f276d 41c83b0e a20bc7c6 6d5451fd'],
    ['243f6a88 85a308d3 13198a2e 03707344', 'a4093822 299f31d0', 'd16cfe09 94fdcceb 5001e420 24126ea1'],
  ])('counter %s, key %s → %s', (counter, key, expected) => {
    expect([...philox4x32(words(counter), words(key))]).toEqual(words(expected));
  });

  it('is uniform in its top bits and independent from one counter to the next (χ² over 16 bins, lag-1 correlation)', () => {
    const n = 1 << 16;
    const bins = new Array<number>(16).fill(0);
    const out = new Uint32Array(4);
    let previous = 0;
    let sum = 0;
    let sumSq = 0;
    let sumLag = 0;
    for (let i = 0; i < n / 4; i++) {
      philox4x32([i, 0, 0, 0], [0x12345678, 0x9abcdef0], out);
      for (const word of out) {
        bins[word >>> 28]! += 1;
        const u = word / 2 ** 32;
        sum += u;
        sumSq += u * u;
        sumLag += u * previous;
        previous = u;
      }
    }
    const expected = n / 16;
    const chi2 = bins.reduce((acc, count) => acc + (count - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(37.7); // χ²(15) at p = 0.001
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    const lag1 = (sumLag / n - mean * mean) / variance;
    expect(Math.abs(lag1)).toBeLessThan(4 / Math.sqrt(n)); // four standard errors
  });
});

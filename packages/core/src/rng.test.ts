import { describe, expect, it } from 'vitest';
import { createRng } from './rng';

describe('createRng', () => {
  it('matches the published xoshiro128** output for a known state', () => {
    // Reference: the xoshiro128** C code (Blackman & Vigna) from state {1, 2, 3, 4} yields
    // 11520, 0, 5927040, 70819200, 2031721883, … for its first outputs.
    const rng = createRng([1, 2, 3, 4]);
    const words: number[] = [];
    // uniform() consumes two words: (a >>> 5) * 2^26 + (b >>> 6), over 2^53.
    const u = rng.uniform();
    words.push(u);
    const expectedFirst = ((11520 >>> 5) * 67108864 + (0 >>> 6)) / 9007199254740992;
    expect(u).toBe(expectedFirst);
    const second = ((5927040 >>> 5) * 67108864 + (70819200 >>> 6)) / 9007199254740992;
    expect(rng.uniform()).toBe(second);
  });

  it('is reproducible from a seed and resumes exactly from a saved state', () => {
    const a = createRng(42);
    const b = createRng(42);
    expect(Array.from(a.normalArray(7))).toEqual(Array.from(b.normalArray(7)));
    const saved = a.state();
    const continued = Array.from(a.normalArray(5));
    expect(Array.from(createRng(saved).normalArray(5))).toEqual(continued);
    expect(Array.from(createRng(43).normalArray(5))).not.toEqual(Array.from(createRng(42).normalArray(5)));
  });

  it('draws standard normals and uniforms with the right moments (n = 200 000, 5 standard errors)', () => {
    const rng = createRng(7);
    const n = 200_000;
    const x = rng.normalArray(n);
    let sum = 0;
    let sumSq = 0;
    let sum4 = 0;
    for (const v of x) {
      sum += v;
      sumSq += v * v;
      sum4 += v ** 4;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(sum4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    const u = rng.uniformArray(n);
    const uMean = u.reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(uMean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.min(...u.subarray(0, 1000))).toBeGreaterThanOrEqual(0);
  });

  it('draws unbiased integers in range', () => {
    const rng = createRng(3);
    const counts = new Array(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[rng.int(7)]++;
    for (const c of counts) expect(Math.abs(c - n / 7)).toBeLessThan(5 * Math.sqrt((n * (1 / 7) * (6 / 7))));
  });

  it('splits into an independent stream and rejects bad seeds', () => {
    const parent = createRng(1);
    const child = parent.split();
    expect(child.uniform()).not.toBe(parent.uniform());
    expect(() => createRng(Number.NaN)).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    expect(() => createRng([1, 2, 3] as never)).toThrow(/four unsigned 32-bit integers/);
    expect(() => createRng(1).int(0)).toThrow(/Invalid n/);
  });
});

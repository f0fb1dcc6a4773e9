import { describe, expect, it } from 'vitest';
import { batchRng } from './batch-rng';
import { checkSeed, createRng, isSeed, MAX_SEED } from './rng';

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

describe('seeds', () => {
  const first = (seed: number) => Array.from({ length: 4 }, ((rng) => () => rng.uniform())(createRng(seed)));

  it('gives every seed in 0 … 2^53 − 1 its own stream (no folding of the high word onto the low one)', () => {
    const seeds = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 4294967297 * 3, 0x9e3779b1, 2 ** 53 - 1, 2 ** 53 - 2, 2 ** 52];
    const streams = seeds.map((s) => first(s).join(','));
    expect(new Set(streams).size).toBe(seeds.length);
  });

  it('keeps the streams of seeds below 2^32 as they were', () => {
    // The states the generator gave before seeds above 2^32 were separated (so runs and datasets keep their numbers).
    expect(createRng(7).state()).toEqual([588686121, 1937383562, 4286812467, 2372217166]);
    expect(createRng(12345).state()).toEqual([1200724404, 818072533, 996137225, 2397394836]);
    expect(createRng(4294967295).state()).toEqual([920564995, 4230986166, 697614773, 1778835764]);
  });

  it('checkSeed accepts the integers 0 … 2^53 − 1 and refuses the rest, naming the field', () => {
    for (const ok of [0, 1, 2 ** 32, MAX_SEED]) expect(checkSeed('--seed', ok)).toBe(ok);
    expect(MAX_SEED).toBe(2 ** 53 - 1);
    for (const bad of [-1, 1.5, 2 ** 53, 2 ** 53 + 2, Number.NaN, Infinity, '3', null]) {
      expect(isSeed(bad)).toBe(false);
      expect(() => checkSeed('--seed', bad)).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringMatching(/^Invalid --seed: expected an integer seed in 0…9007199254740991 \(2\^53 − 1\)/) }));
    }
  });
});

describe('batchRng', () => {
  it('draws each image from its own stream, whatever the batch', () => {
    const stream = (i: number) => createRng(100 + i);
    const alone = [0, 1, 2].map((i) => stream(i).normalArray(6));
    const batched = batchRng([stream(0), stream(1), stream(2)], createRng(9));
    const noise = batched.normalArray(18);
    for (let i = 0; i < 3; i++) expect(Array.from(noise.subarray(i * 6, (i + 1) * 6))).toEqual(Array.from(alone[i]!));
    const pair = batchRng([stream(1), stream(2)], createRng(9)).normalArray(12);
    expect(Array.from(pair.subarray(0, 6))).toEqual(Array.from(alone[1]!));
    // A second draw continues each image's stream.
    const again = batchRng([stream(0)], createRng(9));
    again.normalArray(6);
    const s = stream(0);
    s.normalArray(6);
    expect(Array.from(again.normalArray(4))).toEqual(Array.from(s.normalArray(4)));
  });

  it('takes scalar and odd-sized draws from the shared stream, and refuses to save a state', () => {
    const shared = createRng(9);
    const reference = createRng(9);
    const rng = batchRng([createRng(1), createRng(2)], shared);
    expect(rng.uniform()).toBe(reference.uniform());
    expect(Array.from(rng.uniformArray(3))).toEqual(Array.from(reference.uniformArray(3)));
    expect(rng.int(5)).toBe(reference.int(5));
    expect(() => rng.state()).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    expect(() => batchRng([], shared)).toThrow(/at least one generator/);
    expect(rng.split().normalArray(4)).toHaveLength(4);
  });
});

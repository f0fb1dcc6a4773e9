import { createRng } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { featureStatistics } from './feature-statistics';
import { fid } from './fid';
import { kernelMatrix, kid } from './kid';
import { contrast, multisetMmd, pairedComparison } from './paired-comparison';

const gaussian = (n: number, d: number, seed: number, shift = 0) => {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * d }, () => rng.normal() + shift);
};

/** `base` plus independent noise of scale `scale`: a set whose row i came from the same input as base's row i. */
const perturbed = (base: Float32Array, scale: number, seed: number) => {
  const rng = createRng(seed);
  return Float32Array.from(base, (v) => v + scale * rng.normal());
};

/** The rows of `features` repeated by `counts`, listed out. */
const expand = (features: Float32Array, counts: Uint32Array, d: number) => {
  const rows: number[] = [];
  counts.forEach((c, i) => {
    for (let r = 0; r < c; r++) rows.push(...features.subarray(i * d, (i + 1) * d));
  });
  return Float32Array.from(rows);
};

describe('multisetMmd', () => {
  it('equals KID on the repeated rows listed out (every subset the whole multiset)', () => {
    const d = 3;
    const x = gaussian(12, d, 1);
    const y = gaussian(9, d, 2, 0.4);
    const countsX = Uint32Array.from([0, 2, 1, 0, 3, 1, 0, 0, 2, 1, 1, 1]);
    const countsY = Uint32Array.from([1, 0, 0, 4, 1, 2, 0, 1, 3]);
    const x64 = Float64Array.from(x);
    const y64 = Float64Array.from(y);
    const value = multisetMmd(kernelMatrix(x64, 12, x64, 12, d), kernelMatrix(y64, 9, y64, 9, d), kernelMatrix(x64, 12, y64, 9, d), countsX, countsY);
    const listed = kid(expand(x, countsX, d), expand(y, countsY, d), 12, 12, d, { subsets: 1, subsetSize: 12 });
    expect(Math.abs(value - listed.mean)).toBeLessThan(1e-12 * Math.max(1, Math.abs(listed.mean)));
  });
});

describe('pairedComparison', () => {
  const d = 4;
  const real = { features: gaussian(80, d, 10), count: 80 };

  it('reports FID and KID of the full sets as fid() and kid() compute them', () => {
    const a = gaussian(60, d, 11, 0.3);
    const result = pairedComparison(real, [{ name: 'a', features: a, count: 60 }], d, { resamples: 4 });
    const expectedFid = fid(featureStatistics(a, 60, d, 'x'), featureStatistics(real.features, 80, d, 'x')).fid;
    expect(result.fid[0]).toBeCloseTo(expectedFid, 9);
    // kid() on subsets of 60 of the 80 real rows differs; on equal sizes with subsets = whole sets it is the full MMD².
    const same = pairedComparison({ features: real.features.subarray(0, 60 * d), count: 60 }, [{ name: 'a', features: a, count: 60 }], d, { resamples: 2 });
    expect(same.kid[0]).toBeCloseTo(kid(real.features.subarray(0, 60 * d), a, 60, 60, d, { subsets: 1, subsetSize: 60 }).mean, 9);
    expect(result.fidResampled[0]).toHaveLength(4);
    expect(result.names).toEqual(['a']);
  });

  it('gives a contrast of a set with an identical, paired copy exactly zero in every resample', () => {
    const a = gaussian(50, d, 12, 0.2);
    const result = pairedComparison(real, [{ name: 'a', features: a, count: 50, pairing: 'h' }, { name: 'copy', features: a.slice(), count: 50, pairing: 'h' }], d, { resamples: 20 });
    const c = contrast(result, { a: 1, copy: -1 });
    expect(c.fid.value).toBe(0);
    expect(c.fid.interval.low).toBe(0);
    expect(c.fid.interval.high).toBe(0);
    expect(c.kid.interval.std).toBe(0);
  });

  it('narrows the interval of a difference between sets from the same inputs when they are paired', () => {
    const a = gaussian(100, d, 13, 0.3);
    const b = perturbed(a, 0.2, 14);
    const run = (pairing: string | undefined) =>
      contrast(
        pairedComparison(real, [{ name: 'a', features: a, count: 100, ...(pairing === undefined ? {} : { pairing }) }, { name: 'b', features: b, count: 100, ...(pairing === undefined ? {} : { pairing }) }], d, { resamples: 200, seed: 3 }),
        { b: 1, a: -1 },
      );
    const paired = run('h');
    const unpaired = run(undefined);
    expect(paired.fid.value).toBeCloseTo(unpaired.fid.value, 12); // the full sets are the same
    expect(paired.fid.interval.std).toBeLessThan(unpaired.fid.interval.std / 2);
    expect(paired.kid.interval.std).toBeLessThan(unpaired.kid.interval.std / 2);
  });

  it('finds a real difference: the interval of FID(worse) − FID(better) lies above 0', () => {
    const a = gaussian(150, d, 15, 0.1);
    const worse = perturbed(a, 0.8, 16); // the same inputs, more spread out than the real set
    const c = contrast(pairedComparison(real, [{ name: 'a', features: a, count: 150, pairing: 'h' }, { name: 'worse', features: worse, count: 150, pairing: 'h' }], d, { resamples: 200 }), { worse: 1, a: -1 });
    expect(c.fid.value).toBeGreaterThan(0);
    expect(c.fid.interval.low).toBeGreaterThan(0);
    expect(c.kid.interval.low).toBeGreaterThan(0);
  });

  it('is deterministic for a seed and changes with it', () => {
    const sets = [{ name: 'a', features: gaussian(40, d, 17), count: 40 }];
    const one = pairedComparison(real, sets, d, { resamples: 5, seed: 1 });
    expect(pairedComparison(real, sets, d, { resamples: 5, seed: 1 }).fidResampled[0]).toEqual(one.fidResampled[0]);
    expect(pairedComparison(real, sets, d, { resamples: 5, seed: 2 }).fidResampled[0]).not.toEqual(one.fidResampled[0]);
  });

  it('refuses paired sets of different sizes, unknown names and too few resamples', () => {
    const a = { name: 'a', features: gaussian(30, d, 18), count: 30, pairing: 'h' };
    const b = { name: 'b', features: gaussian(20, d, 19), count: 20, pairing: 'h' };
    expect(() => pairedComparison(real, [a, b], d)).toThrow(/30 samples, like the other sets paired as "h"/);
    expect(() => pairedComparison(real, [a], d, { resamples: 1 })).toThrow(/CDM_INVALID_ARGUMENT/);
    expect(() => contrast(pairedComparison(real, [a], d, { resamples: 2 }), { nope: 1 })).toThrow(/names of the compared sets \(a\)/);
  });
});

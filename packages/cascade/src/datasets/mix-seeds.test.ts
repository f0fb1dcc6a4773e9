import { describe, expect, it } from 'vitest';
import { mixSeeds } from './mix-seeds';

describe('mixSeeds', () => {
  it('hashes values in 0 … 2^32 − 1 as it always has (datasets and held-out sets keep their examples)', () => {
    expect(mixSeeds(0, 1)).toBe(666820501);
    expect(mixSeeds(7919, 3)).toBe(2115127169);
    expect(mixSeeds(4294967295, 0x68656c64)).toBe(1897042847);
    expect(mixSeeds(0)).toBe(1500062585);
  });

  it('does not fold large or negative values onto small ones', () => {
    const values = [0, 1, -1, 2 ** 32, 2 ** 32 + 1, 4294967297, 2 ** 53 - 1, 2 ** 52, -(2 ** 32)];
    const hashes = values.map((v) => mixSeeds(v, 5));
    expect(new Set(hashes).size).toBe(new Set(values).size);
    expect(mixSeeds(1, 4294967296)).not.toBe(mixSeeds(1, 0));
  });
});

import { describe, expect, it } from 'vitest';
import { assertClose, compareToReference } from './compare';
import { nd } from './reference-ops';

describe('compareToReference', () => {
  const reference = nd([2, 2], [1, -4, 2, 0.5]);

  it('measures the worst error relative to the largest reference magnitude', () => {
    const c = compareToReference('op', { shape: [2, 2], values: [1, -4, 2.04, 0.5] }, reference, 0.02);
    expect(c.relativeError).toBeCloseTo(0.01, 12);
    expect(c.ok).toBe(true);
    expect(c.message).toBe('op: max |got − reference| = 0.04 at flat index 2 (got 2.04, reference 2), 1 % of max |reference| = 4; tolerance 2 %');
  });

  it('fails on NaN and on a shape mismatch', () => {
    expect(compareToReference('op', { shape: [2, 2], values: [1, NaN, 2, 0.5] }, reference, 1).ok).toBe(false);
    const c = compareToReference('op', { shape: [4], values: [1, -4, 2, 0.5] }, reference, 1);
    expect(c).toMatchObject({ ok: false, relativeError: Infinity, message: 'op: shape [4], reference shape [2, 2]' });
  });

  it('assertClose lists every comparison outside its tolerance', () => {
    const bad = compareToReference('a', { shape: [2, 2], values: [0, 0, 0, 0] }, reference, 1e-4);
    const good = compareToReference('b', { shape: [2, 2], values: reference.values }, reference, 1e-4);
    expect(() => assertClose([good])).not.toThrow();
    expect(() => assertClose([bad, good])).toThrow(/^a: max \|got − reference\| = 4 at flat index 1/);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { normalKl } from './normal-kl';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The closed form in float64, straight from the formula. */
function klReference(m1: number, lv1: number, m2: number, lv2: number): number {
  return 0.5 * (-1 + lv2 - lv1 + Math.exp(lv1 - lv2) + (m1 - m2) ** 2 * Math.exp(-lv2));
}

describe('normalKl', () => {
  it('is exactly 0 for identical Gaussians and positive otherwise', () => {
    const mean = tf.tensor1d([-3, -0.5, 0, 0.25, 2, 7]);
    const logVar = tf.tensor1d([-9, -1, 0, 0.5, 1.5, 4]);
    const same = normalKl(mean, logVar, mean, logVar);
    for (const v of same.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(1e-7);

    const shifted = normalKl(mean, logVar, tf.add(mean, 0.1), logVar);
    const wider = normalKl(mean, logVar, mean, tf.add(logVar, 0.1));
    for (const v of [...shifted.dataSync(), ...wider.dataSync()]) expect(v).toBeGreaterThan(0);
    tf.dispose([mean, logVar, same, shifted, wider]);
  });

  it('matches the float64 closed form on random inputs (1e-5 relative)', () => {
    const rng = createRng(11);
    const n = 2000;
    const draw = (spread: number) => Float32Array.from({ length: n }, () => spread * rng.normal());
    const [m1, lv1, m2, lv2] = [draw(2), draw(2), draw(2), draw(2)];
    const kl = normalKl(tf.tensor1d(m1), tf.tensor1d(lv1), tf.tensor1d(m2), tf.tensor1d(lv2));
    const got = kl.dataSync();
    for (let i = 0; i < n; i++) {
      // The reference uses the float32-rounded inputs, so only the arithmetic differs. Where the KL
      // is tiny its terms cancel; 1e-6 absolute covers float32 rounding of the O(1) terms.
      const expected = klReference(m1[i]!, lv1[i]!, m2[i]!, lv2[i]!);
      expect(Math.abs(got[i]! - expected)).toBeLessThanOrEqual(1e-5 * Math.abs(expected) + 1e-6);
    }
    tf.dispose(kl);
  });

  it('broadcasts, takes plain numbers for scalars, and rejects mismatched shapes with a coded error', () => {
    const mean = tf.tensor2d([
      [0, 1],
      [2, 3],
    ]);
    const logVar = tf.tensor1d([0, 1]);
    const kl = normalKl(mean, logVar, 0, 0);
    expect(kl.shape).toEqual([2, 2]);
    const got = kl.dataSync();
    const expected = [klReference(0, 0, 0, 0), klReference(1, 1, 0, 0), klReference(2, 0, 0, 0), klReference(3, 1, 0, 0)];
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));
    const bad = tf.tensor1d([0, 1, 2]);
    expect(() => normalKl(mean, logVar, bad, 0)).toThrow(expect.objectContaining({ code: 'CDM_SHAPE_MISMATCH' }));
    tf.dispose([mean, logVar, kl, bad]);
  });

  it('leaks no tensors', () => {
    const a = tf.tensor1d([0.5, -1]);
    const b = tf.tensor1d([0.1, 0.2]);
    const before = tf.memory().numTensors;
    normalKl(a, b, b, a).dispose();
    normalKl(a, b, 0, 1).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});

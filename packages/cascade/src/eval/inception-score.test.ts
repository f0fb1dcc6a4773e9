import { describe, expect, it } from 'vitest';
import { inceptionScore } from './inception-score';

describe('inceptionScore', () => {
  it('is 1 for uniform predictions (equal logits)', () => {
    const result = inceptionScore(new Float32Array(100 * 10).fill(3), 100, 10);
    expect(result.mean).toBeCloseTo(1, 12);
    expect(result.std).toBeCloseTo(0, 12);
    expect(result.splits).toBe(10);
  });

  it('is C for confident one-hot predictions spread evenly over C classes (every split)', () => {
    for (const classes of [2, 10, 37]) {
      const n = classes * 20;
      const logits = new Float32Array(n * classes);
      for (let i = 0; i < n; i++) logits[i * classes + (i % classes)] = 1000; // softmax is one-hot in float64
      const result = inceptionScore(logits, n, classes, 10);
      expect(result.mean).toBeCloseTo(classes, 9);
      expect(result.std).toBeLessThan(1e-9);
    }
  });

  it('is 1 when every confident prediction is the same class', () => {
    const logits = new Float32Array(50 * 4);
    for (let i = 0; i < 50; i++) logits[i * 4 + 2] = 50;
    expect(inceptionScore(logits, 50, 4, 5).mean).toBeCloseTo(1, 12);
  });

  it('matches a hand computation for two soft predictions', () => {
    // p₁ = (0.9, 0.1), p₂ = (0.2, 0.8) as logits log p; p(y) = (0.55, 0.45).
    const p = [[0.9, 0.1], [0.2, 0.8]];
    const logits = Float32Array.from(p.flat().map(Math.log));
    const marginal = [0.55, 0.45];
    const kl = p.map((row) => row.reduce((s, v, c) => s + v * Math.log(v / marginal[c]!), 0));
    const expected = Math.exp((kl[0]! + kl[1]!) / 2);
    expect(inceptionScore(logits, 2, 2, 1).mean).toBeCloseTo(expected, 6); // float32 logits: ~1e-7
  });

  it('gives the population std over splits', () => {
    // Split 0: two different confident classes → 2; split 1: the same class twice → 1.
    const logits = Float32Array.from([100, 0, 0, 100, 100, 0, 100, 0]);
    const result = inceptionScore(logits, 4, 2, 2);
    expect(result.mean).toBeCloseTo(1.5, 12);
    expect(result.std).toBeCloseTo(0.5, 12);
  });

  it('refuses more splits than samples', () => {
    expect(() => inceptionScore(new Float32Array(6), 3, 2, 4)).toThrow('Invalid splits: expected an integer in 1…3 (the number of samples), got 4');
  });
});

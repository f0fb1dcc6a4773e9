import { EigenvalueDecomposition, Matrix, inverse } from 'ml-matrix';
import { createRng } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { featureStatistics, type FeatureStatistics } from './feature-statistics';
import { fid } from './fid';

const stats = (mean: number[], covariance: number[][], extractor = 'x'): FeatureStatistics => ({
  mean: Float64Array.from(mean),
  covariance: Float64Array.from(covariance.flat()),
  count: 1000,
  extractor,
});

/** A random orthogonal matrix (QR of a Gaussian matrix, through ml-matrix). */
function randomRotation(d: number, seed: number): Matrix {
  const rng = createRng(seed);
  const g = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) g.set(i, j, rng.normal());
  // Eigenvectors of the symmetric GᵀG are orthonormal.
  return new EigenvalueDecomposition(g.transpose().mmul(g), { assumeSymmetric: true }).eigenvectorMatrix;
}

/** Q·diag(values)·Qᵀ as nested arrays. */
const rotated = (q: Matrix, values: number[]) => q.mmul(Matrix.diag(values)).mmul(q.transpose()).to2DArray();

/** Random SPD matrix A·Aᵀ + εI. */
function randomSpd(d: number, seed: number): number[][] {
  const rng = createRng(seed);
  const a = new Matrix(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a.set(i, j, rng.normal());
  return a.mmul(a.transpose()).add(Matrix.eye(d).mul(0.1)).to2DArray();
}

/** tr((Σ₁Σ₂)^½) by the Denman–Beavers iteration on the (non-symmetric) product: an algorithm independent of the eigendecomposition. */
function traceSqrtDenmanBeavers(a: number[][], b: number[][]): number {
  let y = new Matrix(a).mmul(new Matrix(b));
  let z = Matrix.eye(a.length);
  for (let k = 0; k < 60; k++) {
    const yNext = y.clone().add(inverse(z)).mul(0.5);
    z = z.clone().add(inverse(y)).mul(0.5);
    y = yNext;
  }
  return y.trace();
}

const squaredDistance = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
const trace = (m: number[][]) => m.reduce((s, row, i) => s + row[i]!, 0);

describe('fid', () => {
  it('is 0 (≤ 1e-6) for a set against itself, from features of real dimension', () => {
    const rng = createRng(3);
    const n = 300;
    const d = 16;
    const features = Float32Array.from({ length: n * d }, (_, i) => rng.normal() * (1 + (i % d)) + (i % 3));
    const s = featureStatistics(features, n, d, 'x');
    const result = fid(s, featureStatistics(features, n, d, 'x'));
    expect(result.fid).toBeLessThanOrEqual(1e-6);
    expect(result.extractor).toBe('x');
  });

  it('matches ‖μ₁−μ₂‖² + Σ(√a − √b)² for diagonal covariances (to 1e-10 relative)', () => {
    const a = [1, 4, 9, 0.25];
    const b = [2, 1, 16, 0.01];
    const m1 = [0, 1, 2, 3];
    const m2 = [1, 1, 0, -1];
    const expected = squaredDistance(m1, m2) + a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i]!)) ** 2, 0);
    const result = fid(stats(m1, Matrix.diag(a).to2DArray()), stats(m2, Matrix.diag(b).to2DArray()));
    expect(result.fid).toBeCloseTo(expected, 10);
    expect(Math.abs(result.fid - expected) / expected).toBeLessThan(1e-10);
  });

  it('matches the same formula for non-diagonal covariances that commute (shared random eigenvectors, d = 6)', () => {
    const q = randomRotation(6, 7);
    const a = [0.5, 1, 2, 3, 5, 8];
    const b = [4, 0.1, 2, 1, 9, 0.3];
    const m1 = [1, 2, 3, 4, 5, 6];
    const m2 = [0, 2, 3, 1, 5, 7];
    const expected = squaredDistance(m1, m2) + a.reduce((s, v, i) => s + (Math.sqrt(v) - Math.sqrt(b[i]!)) ** 2, 0);
    const result = fid(stats(m1, rotated(q, a)), stats(m2, rotated(q, b)));
    expect(Math.abs(result.fid - expected) / expected).toBeLessThan(1e-9);
  });

  it('matches the 2×2 closed form tr√(Σ₁Σ₂) = √(tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂)) for non-commuting covariances', () => {
    const s1 = [[2, 0.8], [0.8, 1]];
    const s2 = [[1, -0.5], [-0.5, 3]];
    const m1 = [0.3, -1];
    const m2 = [1, 2];
    const product = new Matrix(s1).mmul(new Matrix(s2));
    const det = (m: number[][]) => m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    const traceSqrt = Math.sqrt(product.trace() + 2 * Math.sqrt(det(s1) * det(s2)));
    const expected = squaredDistance(m1, m2) + trace(s1) + trace(s2) - 2 * traceSqrt;
    expect(Math.abs(fid(stats(m1, s1), stats(m2, s2)).fid - expected)).toBeLessThan(1e-12);
  });

  it('matches a Denman–Beavers square root of Σ₁Σ₂ for random non-commuting 8×8 covariances (1e-9 relative)', () => {
    const s1 = randomSpd(8, 11);
    const s2 = randomSpd(8, 12);
    const m1 = Array.from({ length: 8 }, (_, i) => i * 0.1);
    const m2 = Array.from({ length: 8 }, (_, i) => 1 - i * 0.2);
    const expected = squaredDistance(m1, m2) + trace(s1) + trace(s2) - 2 * traceSqrtDenmanBeavers(s1, s2);
    const result = fid(stats(m1, s1), stats(m2, s2));
    expect(Math.abs(result.fid - expected) / expected).toBeLessThan(1e-9);
    expect(result.meanTerm).toBeCloseTo(squaredDistance(m1, m2), 12);
  });

  it('of samples from two known Gaussians converges to the analytic value (d = 4, n = 20 000: within 3 %)', () => {
    // Σ = L·Lᵀ with known L; samples μ + L·z.
    const d = 4;
    const l1 = [[1, 0, 0, 0], [0.5, 1, 0, 0], [0.2, -0.3, 0.8, 0], [0, 0.4, 0.1, 0.6]];
    const l2 = [[1.5, 0, 0, 0], [-0.4, 0.7, 0, 0], [0.1, 0.2, 1.2, 0], [0.3, 0, -0.5, 0.9]];
    const m1 = [0, 0, 0, 0];
    const m2 = [0.5, -0.5, 1, 0];
    const cov = (l: number[][]) => new Matrix(l).mmul(new Matrix(l).transpose()).to2DArray();
    const analytic = squaredDistance(m1, m2) + trace(cov(l1)) + trace(cov(l2)) - 2 * traceSqrtDenmanBeavers(cov(l1), cov(l2));
    const sample = (l: number[][], m: number[], n: number, seed: number) => {
      const rng = createRng(seed);
      const out = new Float32Array(n * d);
      const z = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) z[j] = rng.normal();
        for (let j = 0; j < d; j++) out[i * d + j] = m[j]! + l[j]!.reduce((s, v, k) => s + v * z[k]!, 0);
      }
      return featureStatistics(out, n, d, 'x');
    };
    const n = 20_000;
    const estimate = fid(sample(l1, m1, n, 1), sample(l2, m2, n, 2)).fid;
    // Sampling error of FID here is ~1 % (std of μ̂ ~ 1/√n per axis, Σ̂ ~ √(2/n) relative); 3 % leaves room.
    expect(Math.abs(estimate - analytic) / analytic).toBeLessThan(0.03);
    // And a set from the same Gaussian is close to 0 (bias ~ d·(tr Σ)/n).
    expect(fid(sample(l1, m1, n, 3), sample(l1, m1, n, 4)).fid).toBeLessThan(0.01);
  });

  it('clamps the round-off negative eigenvalues of a rank-deficient covariance and reports them', () => {
    // 3 samples in 6 dimensions: Σ has rank ≤ 2, so its zero eigenvalues come out as ±1e-16.
    const rng = createRng(5);
    const features = Float32Array.from({ length: 18 }, () => rng.normal());
    const s = featureStatistics(features, 3, 6, 'x');
    const result = fid(s, s);
    expect(result.fid).toBeLessThan(1e-6);
    expect(result.clampedEigenvalues).toBeGreaterThan(0);
    expect(result.mostNegativeRelative).toBeLessThan(0);
    expect(result.mostNegativeRelative).toBeGreaterThan(-1e-10);
  });

  it('refuses statistics from different extractors or dimensions', () => {
    expect(() => fid(stats([0], [[1]], 'a'), stats([0], [[1]], 'b'))).toThrow('Invalid statistics: expected two sets from the same feature extractor (FIDs of different extractors are not comparable), got [a, b]');
    expect(() => fid(stats([0], [[1]]), stats([0, 0], [[1, 0], [0, 1]]))).toThrow('expected means of one dimension d and d×d covariances, got [1, 2]');
  });
});

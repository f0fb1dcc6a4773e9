import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's entry point registers no gradients; this side-effect module (listed in its
// package.json "sideEffects") is the only way to get them without the tfjs umbrella package.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { discretizedGaussianLogLikelihood } from './discretized-gaussian-log-likelihood';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---------------------------------------------------------------------------------------------
// A float64 reference, independent of tf.erf.
// ---------------------------------------------------------------------------------------------

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erfc(x) for x ≥ 0 to ~1e-15 relative. Below 2.5: erf by its series of positive terms
 * erf(x) = (2/√π) e^{−x²} Σ_n (2x²)^n x / (1·3·…·(2n+1)), so no cancellation, and erfc = 1 − erf
 * (erfc ≥ 4e-4 there, so the subtraction costs at most ~3 digits of 16). From 2.5 up: the
 * continued fraction erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …)))),
 * evaluated by the modified Lentz method.
 */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    let term = x;
    let sum = x;
    for (let n = 1; term > 1e-18 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
  }
  const tiny = 1e-300;
  let f = x;
  let c = f;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Φ(z), accurate in relative terms in the lower tail. */
const phi = (z: number) => (z < 0 ? 0.5 * erfcNonNegative(-z * Math.SQRT1_2) : 1 - 0.5 * erfcNonNegative(z * Math.SQRT1_2));
/** 1 − Φ(z) = Φ(−z), accurate in relative terms in the upper tail. */
const survival = (z: number) => phi(-z);

const binCentre = (k: number) => -1 + (2 * k) / 255;

/** P(bin k) in float64, taking each difference on the side of the mean where it is accurate. */
function binProbability(k: number, mean: number, logScale: number): number {
  const sigma = Math.exp(logScale);
  const x = binCentre(k);
  const upper = (x + 1 / 255 - mean) / sigma;
  const lower = (x - 1 / 255 - mean) / sigma;
  if (k === 0) return phi(upper);
  if (k === 255) return survival(lower);
  if (lower >= 0) return survival(lower) - survival(upper);
  if (upper <= 0) return phi(upper) - phi(lower);
  return 1 - phi(lower) - survival(upper);
}

const referenceLogLikelihood = (k: number, mean: number, logScale: number) =>
  Math.log(Math.max(binProbability(k, mean, logScale), 1e-12));

/** Runs the tfjs implementation on parallel arrays and returns float32 results. */
function logLikelihood(x: ArrayLike<number>, mean: ArrayLike<number>, logScale: ArrayLike<number>): Float32Array {
  const [xt, mt, st] = [tf.tensor1d(Array.from(x)), tf.tensor1d(Array.from(mean)), tf.tensor1d(Array.from(logScale))];
  const ll = discretizedGaussianLogLikelihood(xt, mt, st);
  const values = ll.dataSync() as Float32Array;
  tf.dispose([xt, mt, st, ll]);
  return values;
}

const allBins = Array.from({ length: 256 }, (_, k) => k);

/** (mean, logScale) pairs: moderate, very small and very large σ, means outside [−1, 1]. */
const CASES: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.3, -3],
  [-0.7, -6], // σ ≈ 0.0025, a third of a bin
  [0.5, -10], // σ ≈ 4.5e-5: one bin holds everything
  [1.8, -1], // mean above the data range
  [-2.5, 0.5], // mean below it
  [0.1, 3], // σ ≈ 20: the two end bins hold most of the mass
  [-1, -2],
  [1, -4],
];

describe('reference erfc (self-check)', () => {
  it('matches tabulated values to 1e-13 relative', () => {
    const table: [number, number][] = [
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047265],
      [2.5, 0.0004069520174449589],
      [3, 2.2090496998585438e-5],
      [4, 1.541725790028002e-8],
      [6, 2.1519736712498916e-17],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, expected] of table) expect(Math.abs(erfcNonNegative(x) / expected - 1)).toBeLessThan(1e-13);
    expect(erfcNonNegative(0)).toBe(1);
  });
});

describe('discretizedGaussianLogLikelihood', () => {
  it('gives 256 bin probabilities that sum to 1 (within 1e-5)', () => {
    // Clamping at 1e-12 can add at most 255e-12 to the sum, so it never matters at this tolerance;
    // the 1e-5 allows for float32 rounding of the ~256 CDF differences.
    for (const [mean, logScale] of CASES) {
      const ll = logLikelihood(
        allBins.map(binCentre),
        allBins.map(() => mean),
        allBins.map(() => logScale),
      );
      let total = 0;
      for (const v of ll) total += Math.exp(v);
      expect(Math.abs(total - 1), `mean ${mean}, logScale ${logScale}`).toBeLessThan(1e-5);
      // The float64 reference sums to 1 as well, which checks the reference's bins.
      const referenceTotal = allBins.reduce((s, k) => s + binProbability(k, mean, logScale), 0);
      expect(Math.abs(referenceTotal - 1)).toBeLessThan(1e-12);
    }
  });

  it('matches the float64 reference to 1e-4 nats on bins with probability ≥ 1e-3', () => {
    // "Non-extreme" = reference probability ≥ 1e-3. Float32 CDF values carry ~6e-8 absolute
    // error and tf.erf's own approximation error is smooth in z, so the relative error of a bin
    // probability p is ~1e-7 / p: ≤ 1e-4 for these bins. Extreme bins (far tails) are only
    // checked to be finite and no larger than 0.
    let checked = 0;
    for (const [mean, logScale] of CASES) {
      const ll = logLikelihood(
        allBins.map(binCentre),
        allBins.map(() => mean),
        allBins.map(() => logScale),
      );
      for (const k of allBins) {
        const got = ll[k]!;
        expect(Number.isFinite(got)).toBe(true);
        expect(got).toBeLessThanOrEqual(1e-6);
        if (binProbability(k, mean, logScale) < 1e-3) continue;
        checked++;
        expect(Math.abs(got - referenceLogLikelihood(k, mean, logScale)), `k ${k}, mean ${mean}, logScale ${logScale}`).toBeLessThan(1e-4);
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('matches the reference on random (bin, mean, logScale) triples', () => {
    const rng = createRng(5);
    const n = 4000;
    const bins = Array.from({ length: n }, () => rng.int(256));
    const means = Array.from({ length: n }, () => Math.fround(-1.3 + 2.6 * rng.uniform()));
    const logScales = Array.from({ length: n }, () => Math.fround(-7 + 7 * rng.uniform()));
    const ll = logLikelihood(bins.map(binCentre), means, logScales);
    let checked = 0;
    for (let i = 0; i < n; i++) {
      if (binProbability(bins[i]!, means[i]!, logScales[i]!) < 1e-3) continue;
      checked++;
      expect(Math.abs(ll[i]! - referenceLogLikelihood(bins[i]!, means[i]!, logScales[i]!))).toBeLessThan(1e-4);
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('has gradients in mean and logScale that match central differences of the reference (1e-2 relative)', () => {
    const rng = createRng(9);
    const bins: number[] = [];
    const means: number[] = [];
    const logScales: number[] = [];
    // Include both end bins explicitly, then random interior triples; keep those with p ≥ 1e-3.
    const candidates: [number, number, number][] = [
      [0, -0.9, -2],
      [255, 0.8, -1.5],
      [0, -1.2, 0.3],
      [255, 1.4, -3],
    ];
    for (let i = 0; i < 200; i++) {
      candidates.push([rng.int(256), Math.fround(-1.2 + 2.4 * rng.uniform()), Math.fround(-5 + 5 * rng.uniform())]);
    }
    for (const [k, m, s] of candidates) {
      if (binProbability(k, m, s) < 1e-3) continue;
      bins.push(k);
      means.push(m);
      logScales.push(s);
    }
    expect(bins.length).toBeGreaterThan(30);

    const x = tf.tensor1d(bins.map(binCentre));
    const mean = tf.tensor1d(means);
    const logScale = tf.tensor1d(logScales);
    const before = tf.memory().numTensors;
    const [dMean, dLogScale] = tf.grads((m: tf.Tensor, s: tf.Tensor) => tf.sum(discretizedGaussianLogLikelihood(x, m, s)))([
      mean,
      logScale,
    ]);
    const gotMean = dMean!.dataSync();
    const gotLogScale = dLogScale!.dataSync();
    tf.dispose([dMean, dLogScale]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mean, logScale]);

    const h = 1e-6;
    for (let i = 0; i < bins.length; i++) {
      const [k, m, s] = [bins[i]!, means[i]!, logScales[i]!];
      const fdMean = (referenceLogLikelihood(k, m + h, s) - referenceLogLikelihood(k, m - h, s)) / (2 * h);
      const fdLogScale = (referenceLogLikelihood(k, m, s + h) - referenceLogLikelihood(k, m, s - h)) / (2 * h);
      // 1e-2 relative, plus 1e-3 absolute for derivatives that happen to be near 0.
      expect(Math.abs(gotMean[i]! - fdMean), `d/dmean at k ${k}, mean ${m}, logScale ${s}`).toBeLessThan(
        1e-2 * Math.abs(fdMean) + 1e-3,
      );
      expect(Math.abs(gotLogScale[i]! - fdLogScale), `d/dlogScale at k ${k}, mean ${m}, logScale ${s}`).toBeLessThan(
        1e-2 * Math.abs(fdLogScale) + 1e-3,
      );
    }
  });

  it('broadcasts its operands and rejects shapes that do not broadcast with a coded error', () => {
    const x = tf.tensor2d([binCentre(0), binCentre(100), binCentre(128), binCentre(255)], [2, 2]);
    const mean = tf.scalar(0);
    const logScale = tf.tensor1d([-1, -2]);
    const ll = discretizedGaussianLogLikelihood(x, mean, logScale);
    expect(ll.shape).toEqual([2, 2]);
    const got = ll.dataSync();
    const expected = [
      referenceLogLikelihood(0, 0, -1),
      referenceLogLikelihood(100, 0, -2),
      referenceLogLikelihood(128, 0, -1),
      referenceLogLikelihood(255, 0, -2),
    ];
    expected.forEach((e, i) => expect(Math.abs(got[i]! - e)).toBeLessThan(1e-4));
    const bad = tf.tensor1d([0, 0, 0]);
    expect(() => discretizedGaussianLogLikelihood(x, bad, logScale)).toThrow(
      expect.objectContaining({ code: 'CDM_SHAPE_MISMATCH' }),
    );
    tf.dispose([x, mean, logScale, ll, bad]);
  });

  it('leaks no tensors', () => {
    const x = tf.tensor1d([-1, 0, 1]);
    const mean = tf.tensor1d([0.1, -0.2, 0.3]);
    const logScale = tf.tensor1d([-2, -1, 0]);
    const before = tf.memory().numTensors;
    discretizedGaussianLogLikelihood(x, mean, logScale).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mean, logScale]);
  });
});

import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's entry point registers no gradients; this side-effect module (listed in its
// package.json "sideEffects") is the only way to get them without the tfjs umbrella package.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { discretizedGaussianLogLikelihood, type DecoderCdf } from './discretized-gaussian-log-likelihood';

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

/** P(bin of x) in float64, taking each difference on the side of the mean where it is accurate. */
function exactBinProbability(x: number, mean: number, logScale: number): number {
  const inverse = Math.exp(-logScale);
  const upper = (x - mean + 1 / 255) * inverse;
  const lower = (x - mean - 1 / 255) * inverse;
  if (x < -0.999) return phi(upper);
  if (x > 0.999) return survival(lower);
  if (lower >= 0) return survival(lower) - survival(upper);
  if (upper <= 0) return phi(upper) - phi(lower);
  return 1 - phi(lower) - survival(upper);
}

const binProbability = (k: number, mean: number, logScale: number) => exactBinProbability(binCentre(k), mean, logScale);

const referenceLogLikelihood = (k: number, mean: number, logScale: number) =>
  Math.log(Math.max(binProbability(k, mean, logScale), 1e-12));

// ---------------------------------------------------------------------------------------------
// guided-diffusion's formula (approx_standard_normal_cdf + discretized_gaussian_log_likelihood)
// in float64. F(z) = ½(1 + tanh(y)) is evaluated as the logistic 1/(1 + e^−2y), the same number
// without the cancellation of 1 + tanh(y) near −1; a bin's F(u) − F(l) is taken on the side where
// both values are small, or, for a narrow bin, as sinh((A − B)/2)/(2 cosh(A/2) cosh(B/2)).
// ---------------------------------------------------------------------------------------------

const tanhArgument = (z: number) => 2 * Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z);
const logistic = (u: number) => (u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u)));

/** The reference's bin probability for x (any value, scored as the reference scores it). */
function tanhBinProbability(x: number, mean: number, logScale: number): number {
  const inverse = Math.exp(-logScale);
  const A = tanhArgument(inverse * (x - mean + 1 / 255));
  const B = tanhArgument(inverse * (x - mean - 1 / 255));
  if (x < -0.999) return logistic(A);
  if (x > 0.999) return logistic(-B);
  if (A - B < 1 && Math.abs(A) < 700 && Math.abs(B) < 700) {
    return Math.sinh((A - B) / 2) / (2 * Math.cosh(A / 2) * Math.cosh(B / 2));
  }
  if (B >= 0) return logistic(-B) - logistic(-A);
  if (A <= 0) return logistic(A) - logistic(B);
  return 1 - logistic(-A) - logistic(B);
}

const tanhReference = (x: number, mean: number, logScale: number) => Math.log(Math.max(tanhBinProbability(x, mean, logScale), 1e-12));

/** A plain transliteration of the reference (fine where no probability is tiny against its CDFs). */
function literalTanhReference(x: number, mean: number, logScale: number): number {
  const cdf = (v: number) => 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const centred = x - mean;
  const inverse = Math.exp(-logScale);
  const cdfPlus = cdf(inverse * (centred + 1 / 255));
  const cdfMin = cdf(inverse * (centred - 1 / 255));
  if (x < -0.999) return Math.log(Math.max(cdfPlus, 1e-12));
  if (x > 0.999) return Math.log(Math.max(1 - cdfMin, 1e-12));
  return Math.log(Math.max(cdfPlus - cdfMin, 1e-12));
}

/** Runs the tfjs implementation on parallel arrays and returns float32 results. */
function logLikelihood(x: ArrayLike<number>, mean: ArrayLike<number>, logScale: ArrayLike<number>, cdf?: DecoderCdf): Float32Array {
  const [xt, mt, st] = [tf.tensor1d(Array.from(x)), tf.tensor1d(Array.from(mean)), tf.tensor1d(Array.from(logScale))];
  const ll = discretizedGaussianLogLikelihood(xt, mt, st, cdf === undefined ? {} : { cdf });
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
  // Tail-heavy: |z| in the hundreds and beyond, tiny and huge scales.
  [3, -4.6], // σ = 0.01, z ≈ −200…−400
  [-0.2, -5.3], // z up to ±240
  [40, 0], // every bin 39…41 σ below the mean: all clamped
  [6.5, 0], // 5.5…7.5 σ below: Φ's bins just above the clamp
  [-4.2, 0.1], // 3…5 σ above
  [0, -14], // σ ≈ 8e-7
  [0.01, 8], // σ ≈ 3000: every inner bin ≈ 3e-7 of the mass
  [-0.5, 12], // σ ≈ 1.6e5
  [0.004, -7.5], // mean near a bin edge, σ a sixth of a bin
];

/** Inputs where the test's own literal transliteration is trustworthy (no tiny bins). */
const isPlain = (p: number) => p >= 1e-3;

/** |got − want| ≤ 1e-5·|want| + 1e-7: 1e-5 relative, with room for float32 rounding of values near 0. */
function expectClose(got: number, want: number, where: string): void {
  expect(Number.isFinite(got), where).toBe(true);
  expect(Math.abs(got - want), `${where}: got ${got}, want ${want}`).toBeLessThanOrEqual(1e-5 * Math.abs(want) + 1e-7);
}

/** Float32-representable inputs: the float64 references see exactly what the tensors hold. */
const f32 = Math.fround;

/** Random triples: bins anywhere, means in and around the data range, scales from 1e-6 to 400. */
function randomTriples(seed: number, n: number): { x: number[]; mean: number[]; logScale: number[] } {
  const rng = createRng(seed);
  const x: number[] = [];
  const mean: number[] = [];
  const logScale: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = rng.int(256);
    x.push(f32(binCentre(k)));
    mean.push(f32(rng.uniform() < 0.7 ? binCentre(k) + (rng.uniform() - 0.5) * 0.1 : -3 + 6 * rng.uniform()));
    logScale.push(f32(-14 + 20 * rng.uniform()));
  }
  return { x, mean, logScale };
}

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

describe('the float64 references (self-check)', () => {
  it('the stable tanh reference equals a literal transliteration wherever that one is well conditioned', () => {
    let checked = 0;
    for (const [mean, logScale] of CASES) {
      for (const k of allBins) {
        const x = binCentre(k);
        const p = tanhBinProbability(x, mean, logScale);
        if (!isPlain(p)) continue;
        checked++;
        expect(Math.abs(tanhReference(x, mean, logScale) - literalTanhReference(x, mean, logScale))).toBeLessThan(1e-10);
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('both references give 256 bins that sum to 1', () => {
    // Below σ ≈ 1e-5 the bins' float64 centres (−1 + 2k/255, rounded) no longer tile exactly on σ's scale.
    for (const [mean, logScale] of CASES.filter(([, s]) => s > -11)) {
      expect(Math.abs(allBins.reduce((s, k) => s + binProbability(k, mean, logScale), 0) - 1), `exact ${mean} ${logScale}`).toBeLessThan(1e-12);
      expect(Math.abs(allBins.reduce((s, k) => s + tanhBinProbability(binCentre(k), mean, logScale), 0) - 1), `tanh ${mean} ${logScale}`).toBeLessThan(1e-12);
    }
  });
});

describe.each(['tanh-approx', 'exact'] as const)('discretizedGaussianLogLikelihood, cdf %s', (cdf) => {
  const reference = (x: number, mean: number, logScale: number) =>
    cdf === 'exact' ? Math.log(Math.max(exactBinProbability(x, mean, logScale), 1e-12)) : tanhReference(x, mean, logScale);
  const run = (x: ArrayLike<number>, mean: ArrayLike<number>, logScale: ArrayLike<number>) =>
    logLikelihood(x, mean, logScale, cdf === 'tanh-approx' ? undefined : cdf);

  it('matches the float64 formula to 1e-5 relative on every bin of typical and tail-heavy cases', () => {
    for (const [mean, logScale] of CASES) {
      const xs = allBins.map((k) => f32(binCentre(k)));
      const ll = run(xs, xs.map(() => f32(mean)), xs.map(() => f32(logScale)));
      xs.forEach((x, k) => expectClose(ll[k]!, reference(x, f32(mean), f32(logScale)), `k ${k}, mean ${mean}, logScale ${logScale}`));
    }
  });

  it('matches it on 4000 random (bin, mean, logScale) triples, and in bits/dim', () => {
    const { x, mean, logScale } = randomTriples(cdf === 'exact' ? 5 : 6, 4000);
    const ll = run(x, mean, logScale);
    let gotBits = 0;
    let wantBits = 0;
    let clamped = 0;
    for (let i = 0; i < x.length; i++) {
      const want = reference(x[i]!, mean[i]!, logScale[i]!);
      expectClose(ll[i]!, want, `x ${x[i]}, mean ${mean[i]}, logScale ${logScale[i]}`);
      if (want <= Math.log(1e-12) + 1e-9) clamped++;
      gotBits -= ll[i]! / Math.LN2;
      wantBits -= want / Math.LN2;
    }
    // The mix holds clamped bins, near-certain ones and everything between.
    expect(clamped).toBeGreaterThan(200);
    expect(clamped).toBeLessThan(3000);
    expect(Math.abs(gotBits / x.length - wantBits / x.length) / (wantBits / x.length)).toBeLessThan(1e-5);
  });

  it('gives 256 bin probabilities that sum to 1 (within 1e-5)', () => {
    // Float32 bin centres are off by up to 3e-8 (±1/255 by 1e-10), which σ ≈ 1e-6 magnifies into
    // overlaps and gaps of 1e-4 of the mass, so the tiniest scale is left to the reference checks.
    for (const [mean, logScale] of CASES.filter(([, s]) => s > -11)) {
      const ll = run(
        allBins.map(binCentre),
        allBins.map(() => mean),
        allBins.map(() => logScale),
      );
      let total = 0;
      for (const v of ll) total += Math.exp(v);
      // Clamped bins add at most 256e-12.
      expect(Math.abs(total - 1), `mean ${mean}, logScale ${logScale}`).toBeLessThan(1e-5);
    }
  });

  it('has gradients in mean and logScale that match central differences of the float64 formula (1e-2 relative)', () => {
    const rng = createRng(cdf === 'exact' ? 9 : 10);
    const bins: number[] = [];
    const means: number[] = [];
    const logScales: number[] = [];
    const candidates: [number, number, number][] = [
      [0, -0.9, -2],
      [255, 0.8, -1.5],
      [0, -1.2, 0.3],
      [255, 1.4, -3],
      [128, 0.3, 4], // σ ≈ 55: a narrow bin
      [200, -0.6, -1], // 2.5σ into the upper tail
    ];
    for (let i = 0; i < 200; i++) candidates.push([rng.int(256), f32(-1.2 + 2.4 * rng.uniform()), f32(-5 + 9 * rng.uniform())]);
    for (const [k, m, s] of candidates) {
      const p = Math.exp(reference(binCentre(k), m, s));
      if (p < 1e-6) continue;
      bins.push(k);
      means.push(m);
      logScales.push(s);
    }
    expect(bins.length).toBeGreaterThan(30);

    const x = tf.tensor1d(bins.map((k) => f32(binCentre(k))));
    const mean = tf.tensor1d(means);
    const logScale = tf.tensor1d(logScales);
    const before = tf.memory().numTensors;
    const [dMean, dLogScale] = tf.grads((m: tf.Tensor, s: tf.Tensor) => tf.sum(discretizedGaussianLogLikelihood(x, m, s, { cdf })))([mean, logScale]);
    const gotMean = dMean!.dataSync();
    const gotLogScale = dLogScale!.dataSync();
    tf.dispose([dMean, dLogScale]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mean, logScale]);

    const h = 1e-6;
    for (let i = 0; i < bins.length; i++) {
      const [xi, m, s] = [f32(binCentre(bins[i]!)), means[i]!, logScales[i]!];
      const fdMean = (reference(xi, m + h, s) - reference(xi, m - h, s)) / (2 * h);
      const fdLogScale = (reference(xi, m, s + h) - reference(xi, m, s - h)) / (2 * h);
      expect(Math.abs(gotMean[i]! - fdMean), `d/dmean at k ${bins[i]}, mean ${m}, logScale ${s}`).toBeLessThan(1e-2 * Math.abs(fdMean) + 1e-3);
      expect(Math.abs(gotLogScale[i]! - fdLogScale), `d/dlogScale at k ${bins[i]}, mean ${m}, logScale ${s}`).toBeLessThan(
        1e-2 * Math.abs(fdLogScale) + 1e-3,
      );
    }
  });

  it('has finite gradients even on clamped and extreme bins', () => {
    const xs = [-1, 1, 0, 0, 0.5, -1, 1];
    const means = [3, -3, 0, 0.2, 0.5, -1, 1];
    const logScales = [-4.6, -4.6, -14, 8, -12, 12, -12];
    const [dMean, dLogScale] = tf.grads((m: tf.Tensor, s: tf.Tensor) => tf.sum(discretizedGaussianLogLikelihood(tf.tensor1d(xs), m, s, { cdf })))([
      tf.tensor1d(means),
      tf.tensor1d(logScales),
    ]);
    for (const v of [...dMean!.dataSync(), ...dLogScale!.dataSync()]) expect(Number.isFinite(v)).toBe(true);
    tf.dispose([dMean, dLogScale]);
  });
});

describe('discretizedGaussianLogLikelihood', () => {
  it('defaults to the reference tanh approximation, which differs measurably from Φ', () => {
    const xs = [f32(binCentre(140))];
    const byDefault = logLikelihood(xs, [0], [-2])[0]!;
    expect(byDefault).toBe(logLikelihood(xs, [0], [-2], 'tanh-approx')[0]);
    expectClose(byDefault, tanhReference(xs[0]!, 0, -2), 'default');
    const exact = logLikelihood(xs, [0], [-2], 'exact')[0]!;
    expectClose(exact, referenceLogLikelihood(140, 0, -2), 'exact');
    expect(Math.abs(exact - byDefault)).toBeGreaterThan(1e-4);
  });

  it('refuses an unknown cdf with a coded error', () => {
    const x = tf.tensor1d([0]);
    expect(() => discretizedGaussianLogLikelihood(x, x, x, { cdf: 'erf' as DecoderCdf })).toThrow(
      expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringContaining('"tanh-approx", "exact"') }),
    );
    x.dispose();
  });

  it('broadcasts its operands and rejects shapes that do not broadcast with a coded error', () => {
    const x = tf.tensor2d([binCentre(0), binCentre(100), binCentre(128), binCentre(255)], [2, 2]);
    const mean = tf.scalar(0);
    const logScale = tf.tensor1d([-1, -2]);
    const ll = discretizedGaussianLogLikelihood(x, mean, logScale, { cdf: 'exact' });
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
    expect(() => discretizedGaussianLogLikelihood(x, bad, logScale)).toThrow(expect.objectContaining({ code: 'CDM_SHAPE_MISMATCH' }));
    tf.dispose([x, mean, logScale, ll, bad]);
  });

  it('leaks no tensors', () => {
    const x = tf.tensor1d([-1, 0, 1]);
    const mean = tf.tensor1d([0.1, -0.2, 0.3]);
    const logScale = tf.tensor1d([-2, -1, 0]);
    const before = tf.memory().numTensors;
    discretizedGaussianLogLikelihood(x, mean, logScale).dispose();
    discretizedGaussianLogLikelihood(x, mean, logScale, { cdf: 'exact' }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mean, logScale]);
  });
});

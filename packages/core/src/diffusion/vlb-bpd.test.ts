import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { cosineSchedule } from '../schedules/cosine';
import { gaussianOracle } from '../testing/gaussian-oracle';
import { GaussianDiffusion } from './gaussian-diffusion';
import { vlbBpd } from './vlb-bpd';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Φ(z) in float64: erf by its Taylor series for |x| < 2, erfc by continued fraction beyond (~1e-14). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  let erfc: number;
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    erfc = 1 - (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = 0;
    for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
    erfc = Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
  }
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

describe('vlbBpd', () => {
  it('for a single data point and its optimal denoiser, is the decoder term plus the prior (float64, 1e-3 bits)', async () => {
    const schedule = cosineSchedule.create(50);
    const diffusion = new GaussianDiffusion({ schedule });
    // Pixels on 8-bit bin centres, away from the edge bins.
    const pixels = [10, 60, 128, 200, 245, 99, 31, 180].map((k) => -1 + (2 * k) / 255);
    const x0 = tf.tensor4d(pixels, [1, 2, 4, 1]);
    const model = gaussianOracle({ schedule, mean: x0, std: 0, output: 'eps' });
    const result = await vlbBpd(diffusion, model, x0, { rng: createRng(4) });

    // With x̂_0 = x* exactly, every KL term t > 0 vanishes (the model's mean is the posterior mean and
    // fixedSmall uses the posterior variance); t = 0 is −log₂ P(bin of x* | N(x*, β̃ at index 1)).
    for (let t = 1; t < 50; t++) expect(Math.abs(result.terms[t]![0]!)).toBeLessThan(1e-4);
    const sigma = Math.sqrt(diffusion.coefficients.posteriorVariance[1]!);
    const halfBin = 1 / 255;
    const decoder = -Math.log2(normalCdf(halfBin / sigma) - normalCdf(-halfBin / sigma));
    expect(Math.abs(result.terms[0]![0]! - decoder)).toBeLessThan(1e-3);
    const abT = schedule.alphasCumprod[49]!;
    const prior = pixels.reduce((s, x) => s + 0.5 * (-1 - Math.log(1 - abT) + (1 - abT) + abT * x * x), 0) / pixels.length / Math.LN2;
    expect(Math.abs(result.prior[0]! - prior)).toBeLessThan(1e-5);
    const sum = result.terms.reduce((s, term) => s + term[0]!, result.prior[0]!);
    expect(result.total[0]).toBeCloseTo(sum, 5);
    expect(Math.abs(result.total[0]! - (decoder + prior))).toBeLessThan(2e-3);
    // The x̂_0 error is 0 at every step.
    expect(Math.max(...result.x0Mse.map((m) => m[0]!))).toBeLessThan(1e-8);
    tf.dispose(x0);
    model.dispose();
  });

  it('is larger for a worse model, reports progress, and leaks nothing', async () => {
    const schedule = cosineSchedule.create(30);
    const diffusion = new GaussianDiffusion({ schedule });
    const x0 = tf.tensor4d([0.2, -0.4, 0.6, 0], [1, 2, 2, 1]);
    const good = gaussianOracle({ schedule, mean: x0, std: 0, output: 'eps' });
    const bad = gaussianOracle({ schedule, mean: 0, std: 0.5, output: 'eps' });
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const goodBound = await vlbBpd(diffusion, good, x0, { rng: createRng(1), onProgress: (done) => progress.push(done) });
    const badBound = await vlbBpd(diffusion, bad, x0, { rng: createRng(1) });
    expect(tf.memory().numTensors).toBe(before);
    expect(badBound.total[0]).toBeGreaterThan(goodBound.total[0]! + 1);
    expect(progress).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    tf.dispose(x0);
    good.dispose();
    bad.dispose();
  });
});

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomNormal } from '../random-normal';
import { createRng } from '../rng';
import { cosineSchedule } from '../schedules/cosine';
import { linearSchedule } from '../schedules/linear';
import { GaussianDiffusion } from './gaussian-diffusion';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const schedule = linearSchedule.create(1000);
const ac = schedule.alphasCumprod;
const values = async (t: tf.Tensor) => Array.from(await t.data());
const normal = (seed: number, shape: [number, number, number, number]) => randomNormal<tf.Rank.R4>(createRng(seed), shape);
/** Uniform data in [−1, 1]. */
const uniform = (seed: number, shape: [number, number, number, number]) =>
  tf.tensor4d(createRng(seed).uniformArray(shape.reduce((a, b) => a * b, 1)).map((u) => 2 * u - 1), shape);

function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number) {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i]!)));
  expect(worst).toBeLessThan(tolerance);
}

describe('forward process', () => {
  it('qSample is √ᾱ x_0 + √(1 − ᾱ) ε with per-example t (float64 reference, 1e-6)', async () => {
    const diffusion = new GaussianDiffusion({ schedule });
    const x0 = uniform(1, [3, 4, 4, 2]);
    const noise = normal(2, [3, 4, 4, 2]);
    const t = [0, 499, 999];
    const xt = diffusion.qSample(x0, t, noise);
    const [x0v, nv] = [await values(x0), await values(noise)];
    const expected = x0v.map((x, i) => {
      const a = ac[t[Math.floor(i / 32)]!]!;
      return Math.sqrt(a) * x + Math.sqrt(1 - a) * nv[i]!;
    });
    expectClose(await values(xt), expected, 1e-6);
    tf.dispose([x0, noise, xt]);
  });

  it('q(x_t | x_0) has the predicted mean and variance over many draws', async () => {
    const diffusion = new GaussianDiffusion({ schedule: cosineSchedule.create(1000) });
    const n = 20_000;
    const x0 = tf.fill([n, 1, 1, 1], 0.7) as tf.Tensor4D;
    const noise = normal(3, [n, 1, 1, 1]);
    const xt = diffusion.qSample(x0, 300, noise);
    const { mean, variance } = diffusion.qMeanVariance(x0, 300);
    const samples = await values(xt);
    const sampleMean = samples.reduce((a, b) => a + b, 0) / n;
    const sampleVariance = samples.reduce((a, b) => a + (b - sampleMean) ** 2, 0) / n;
    const [m, v] = [(await values(mean))[0]!, (await values(variance))[0]!];
    expect(Math.abs(sampleMean - m)).toBeLessThan(5 * Math.sqrt(v / n));
    expect(Math.abs(sampleVariance - v)).toBeLessThan(5 * v * Math.sqrt(2 / n));
    tf.dispose([x0, noise, xt, mean, variance]);
  });
});

describe('posterior and parameterisations', () => {
  const diffusion = new GaussianDiffusion({ schedule });

  it('q(x_{t−1} | x_t, x_0) matches Gaussian conditioning in float64 (1e-5)', async () => {
    const x0 = uniform(4, [2, 3, 3, 1]);
    const xt = normal(5, [2, 3, 3, 1]);
    const t = [1, 700];
    const posterior = diffusion.qPosteriorMeanVariance(x0, xt, t);
    const [x0v, xtv] = [await values(x0), await values(xt)];
    const expectedMean = x0v.map((x, i) => {
      const k = t[Math.floor(i / 9)]!;
      const beta = schedule.betas[k]!;
      const variance = 1 / (1 / (1 - ac[k - 1]!) + (1 - beta) / beta);
      return variance * ((Math.sqrt(ac[k - 1]!) * x) / (1 - ac[k - 1]!) + (Math.sqrt(1 - beta) * xtv[i]!) / beta);
    });
    expectClose(await values(posterior.mean), expectedMean, 1e-5);
    const variances = await values(posterior.variance);
    expect(posterior.variance.shape).toEqual([2, 1, 1, 1]);
    expect(Math.abs(variances[1]! - (schedule.betas[700]! * (1 - ac[699]!)) / (1 - ac[700]!))).toBeLessThan(1e-9);
    tf.dispose([x0, xt, posterior.mean, posterior.variance, posterior.logVariance]);
  });

  it('recovers x_0 and ε from x_t in every parameterisation (1e-4)', async () => {
    const x0 = uniform(6, [2, 4, 4, 3]);
    const noise = normal(7, [2, 4, 4, 3]);
    const t = [10, 900];
    const xt = diffusion.qSample(x0, t, noise);
    const viaEps = diffusion.predictX0FromEps(xt, t, noise);
    const epsBack = diffusion.predictEpsFromX0(xt, t, x0);
    const vTarget = new GaussianDiffusion({ schedule, modelOutput: 'v' }).trainingTarget(x0, noise, t);
    const viaV = diffusion.predictX0FromV(xt, t, vTarget);
    const x0v = await values(x0);
    expectClose(await values(viaEps), x0v, 1e-4);
    expectClose(await values(viaV), x0v, 1e-4);
    expectClose(await values(epsBack), await values(noise), 1e-3); // ε from x_0 divides by √(1/ᾱ − 1), small at t = 10
    tf.dispose([x0, noise, xt, viaEps, epsBack, vTarget, viaV]);
  });

  it('with the true ε, p(x_{t−1}|x_t) has the posterior mean and (fixedSmall) variance', async () => {
    const x0 = uniform(8, [2, 4, 4, 1]);
    const noise = normal(9, [2, 4, 4, 1]);
    const xt = diffusion.qSample(x0, 400, noise);
    const p = diffusion.pMeanVariance(noise, xt, 400, { clipDenoised: false });
    const q = diffusion.qPosteriorMeanVariance(x0, xt, 400);
    expectClose(await values(p.mean), await values(q.mean), 1e-5);
    expectClose(await values(p.logVariance), await values(q.logVariance), 1e-6);
    expectClose(await values(p.predEps), await values(noise), 1e-6);
    tf.dispose([x0, noise, xt, p, q]);
  });

  it('chooses variances: fixedLarge uses β̃₁ at t = 0; learnedRange interpolates log β and log β̃', async () => {
    const xt = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const large = new GaussianDiffusion({ schedule, modelVariance: 'fixedLarge' });
    const atZero = large.pMeanVariance(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, xt, 0);
    const atTen = large.pMeanVariance(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, xt, 10);
    const c = large.coefficients;
    expect(Math.abs((await values(atZero.variance))[0]! - c.posteriorVariance[1]!) / c.posteriorVariance[1]!).toBeLessThan(1e-6);
    expect(Math.abs((await values(atTen.variance))[0]! - schedule.betas[10]!) / schedule.betas[10]!).toBeLessThan(1e-6);

    const learned = new GaussianDiffusion({ schedule, modelVariance: 'learnedRange' });
    const output = tf.concat([tf.zeros([1, 2, 2, 1]), tf.tensor4d([1, -1, 0, 0.5], [1, 2, 2, 1])], 3) as tf.Tensor4D;
    const p = learned.pMeanVariance(output, xt, 10);
    const [maxLog, minLog] = [Math.log(schedule.betas[10]!), c.posteriorLogVarianceClipped[10]!];
    const expected = [1, -1, 0, 0.5].map((v) => ((v + 1) / 2) * maxLog + (1 - (v + 1) / 2) * minLog);
    expectClose(await values(p.logVariance), expected, 1e-5);
    expect(p.logVariance.shape).toEqual([1, 2, 2, 1]);
    tf.dispose([xt, atZero, atTen, output, p]);
  });

  it('clips x̂_0 to [−1, 1] by default, and makes ε̂ consistent with the clipped x̂_0', async () => {
    const diffusionX0 = new GaussianDiffusion({ schedule, modelOutput: 'x0' });
    const xt = tf.fill([1, 1, 1, 2], 0.1) as tf.Tensor4D;
    const output = tf.tensor4d([3, -0.5], [1, 1, 1, 2]);
    const clipped = diffusionX0.pMeanVariance(output, xt, 50);
    expectClose(await values(clipped.predX0), [1, -0.5], 1e-7);
    const back = diffusionX0.predictX0FromEps(xt, 50, clipped.predEps);
    expectClose(await values(back), [1, -0.5], 1e-4);
    const raw = diffusionX0.pMeanVariance(output, xt, 50, { clipDenoised: false });
    expectClose(await values(raw.predX0), [3, -0.5], 1e-7);
    tf.dispose([xt, output, clipped, back, raw]);
  });
});

describe('losses', () => {
  it('mse is zero for a perfect prediction of each target and equals the mean squared error otherwise', async () => {
    for (const modelOutput of ['eps', 'x0', 'v'] as const) {
      const diffusion = new GaussianDiffusion({ schedule, modelOutput });
      const x0 = uniform(10, [2, 4, 4, 3]);
      const noise = normal(11, [2, 4, 4, 3]);
      const t = [5, 800];
      const xt = diffusion.qSample(x0, t, noise);
      const target = diffusion.trainingTarget(x0, noise, t);
      const perfect = diffusion.trainingLosses({ modelOutput: target, x0, xt, noise, t });
      expectClose(await values(perfect.loss), [0, 0], 1e-12);
      const off = tf.add(target, 0.5) as tf.Tensor4D;
      const shifted = diffusion.trainingLosses({ modelOutput: off, x0, xt, noise, t });
      expectClose(await values(shifted.loss), [0.25, 0.25], 1e-6);
      expect(shifted.vb).toBeUndefined();
      tf.dispose([x0, noise, xt, target, perfect, off, shifted]);
    }
  });

  it('hybrid = mse + λ·T·L_t, and L_t trains only the variance channels (stop-gradient on the mean)', async () => {
    const diffusion = new GaussianDiffusion({ schedule, modelVariance: 'learnedRange', loss: 'hybrid' });
    const x0 = uniform(12, [2, 4, 4, 1]);
    const noise = normal(13, [2, 4, 4, 1]);
    const t = [0, 600];
    const xt = diffusion.qSample(x0, t, noise);
    const output = tf.concat([tf.add(noise, 0.1), tf.fill([2, 4, 4, 1], 0.3)], 3) as tf.Tensor4D;
    const losses = diffusion.trainingLosses({ modelOutput: output, x0, xt, noise, t });
    const [loss, mse, vb] = [await values(losses.loss), await values(losses.mse), await values(losses.vb!)];
    expectClose(loss, mse.map((m, i) => m + 0.001 * 1000 * vb[i]!), 1e-5);
    expectClose(mse, [0.01, 0.01], 1e-6);
    expect(vb.every((v) => v > 0)).toBe(true);

    const grad = tf.grad((o: tf.Tensor) =>
      tf.sum(diffusion.trainingLosses({ modelOutput: o as tf.Tensor4D, x0, xt, noise, t }).loss),
    )(output);
    const [predGrad, varGrad] = tf.split(grad, 2, 3);
    // The prediction channels get exactly the mse gradient 2(pred − ε)/D with D = 16 values per example.
    expectClose(await values(predGrad!), new Array<number>(32).fill((2 * 0.1) / 16), 1e-7);
    expect((await values(varGrad!)).some((g) => Math.abs(g) > 1e-6)).toBe(true);
    tf.dispose([x0, noise, xt, output, losses, grad, predGrad!, varGrad!]);
  });

  it('the vb term is 0 when the model gives the true posterior (t > 0, β̃ variance, exact x_0)', async () => {
    const diffusion = new GaussianDiffusion({ schedule });
    const x0 = uniform(14, [1, 4, 4, 1]);
    const noise = normal(15, [1, 4, 4, 1]);
    const xt = diffusion.qSample(x0, 200, noise);
    const { output } = diffusion.vbTerm(noise, x0, xt, 200);
    expect(Math.abs((await values(output))[0]!)).toBeLessThan(1e-5);
    tf.dispose([x0, noise, xt, output]);
  });

  it('the t = 0 term is the decoder NLL in bits/dim, with the reference tanh CDF by default and Φ on request', async () => {
    const byDefault = new GaussianDiffusion({ schedule });
    const exact = new GaussianDiffusion({ schedule, decoderCdf: 'exact' });
    expect(byDefault.decoderCdf).toBe('tanh-approx');
    expect(exact.respace('ddim10').decoderCdf).toBe('exact');
    // x_t = √ᾱ_0·x_0 and a zero ε prediction: x̂_0 = x_0, the decoder's mean is x̂_0 (the posterior's
    // coefficient on x_t is 0 at t = 0) and its variance β̃ at index 1.
    const pixels = [0, 3, 100, 128, 254, 255];
    const x0 = tf.tensor4d(pixels.map((k) => -1 + (2 * k) / 255), [1, 1, 6, 1]);
    const xt = tf.mul(x0, Math.sqrt(ac[0]!)) as tf.Tensor4D;
    const zero = tf.zerosLike(x0) as tf.Tensor4D;
    const sigma = Math.sqrt(byDefault.coefficients.posteriorVariance[1]!);
    const f = (z: number) => 1 / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
    const h = 1 / 255 / sigma;
    const tanhBits = pixels.map((k) => -Math.log2(k === 0 ? f(h) : k === 255 ? 1 - f(-h) : f(h) - f(-h)));
    const expected = tanhBits.reduce((s, v) => s + v, 0) / pixels.length;
    const terms = [byDefault.vbTerm(zero, x0, xt, 0), exact.vbTerm(zero, x0, xt, 0)];
    const [got, gotExact] = [(await values(terms[0]!.output))[0]!, (await values(terms[1]!.output))[0]!];
    expect(Math.abs(got - expected) / expected).toBeLessThan(1e-5);
    expect(Math.abs(gotExact - got)).toBeGreaterThan(1e-5);
    expect(() => new GaussianDiffusion({ schedule, decoderCdf: 'erf' as never })).toThrow(/decoderCdf: expected one of tanh-approx, exact/);
    tf.dispose([x0, xt, zero, ...terms]);
  });

  it('the prior term KL(q(x_T|x_0) ‖ N(0, I)) matches the float64 closed form', async () => {
    const diffusion = new GaussianDiffusion({ schedule });
    const x0 = tf.tensor4d([0.5, -1, 1, 0], [1, 2, 2, 1]);
    const prior = await values(diffusion.priorBpd(x0));
    const a = ac[999]!;
    const expected = [0.5, -1, 1, 0].map((x) => 0.5 * (-1 - Math.log(1 - a) + (1 - a) + a * x * x)).reduce((s, v) => s + v, 0) / 4 / Math.LN2;
    expect(Math.abs(prior[0]! - expected)).toBeLessThan(1e-6);
    x0.dispose();
  });
});

describe('validation', () => {
  const diffusion = new GaussianDiffusion({ schedule });
  const x = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;

  it('rejects out-of-range and non-integer timesteps, naming the argument', () => {
    expect(() => diffusion.qSample(x, 1000, x)).toThrow(expect.objectContaining({ code: 'CDM_TIMESTEP_OUT_OF_RANGE' }));
    expect(() => diffusion.qSample(x, -1, x)).toThrow(/t = -1 is outside the process's timesteps 0…999/);
    expect(() => diffusion.qSample(x, 1.5, x)).toThrow(/Invalid t: expected integer timesteps/);
    expect(() => diffusion.qSample(x, [1, 2, 3], x)).toThrow(/one timestep or 2 \(the batch size\)/);
  });

  it('rejects mismatched shapes and wrong output channel counts', () => {
    const wrong = tf.zeros([2, 2, 2, 3]) as tf.Tensor4D;
    expect(() => diffusion.qSample(x, 0, wrong)).toThrow(expect.objectContaining({ code: 'CDM_SHAPE_MISMATCH' }));
    const learned = new GaussianDiffusion({ schedule, modelVariance: 'learnedRange' });
    expect(() => learned.pMeanVariance(x, x, 0)).toThrow(/modelOutput has shape \[2, 2, 2, 1\], expected \[2, 2, 2, 2\]/);
    wrong.dispose();
  });

  it('rejects unknown options and a hybrid loss without a learned variance', () => {
    expect(() => new GaussianDiffusion({ schedule, modelOutput: 'noise' as never })).toThrow(/modelOutput: expected one of eps, x0, v/);
    expect(() => new GaussianDiffusion({ schedule, loss: 'hybrid' })).toThrow(/the hybrid loss trains the variance/);
    expect(() => new GaussianDiffusion({ schedule, vlbWeight: -1 })).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const p = diffusion.pMeanVariance(x, x, 3);
    const losses = diffusion.trainingLosses({ modelOutput: x, x0: x, xt: x, noise: x, t: 3 });
    tf.dispose([p, losses]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

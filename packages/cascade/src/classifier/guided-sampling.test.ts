import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, createRng, ddimSampler, ddpmSampler, sample, type DenoiseFn, type SamplerFactory } from '@cdm/core';
import { gaussianOracle } from '@cdm/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifierGuidance } from './classifier-guidance';
import type { NoisyClassifier } from './noisy-classifier';

/**
 * Classifier guidance checked against theory with an exact classifier and an exact denoiser.
 *
 * Data: two equally likely classes, x_0 | y ~ N(±μ, σ²) (one scalar per sample, images [N, 1, 1, 1]).
 * Under the forward process x_t | y ~ N(±m_t, v_t) with m_t = √ᾱ_t μ and v_t = ᾱ_t σ² + 1 − ᾱ_t, so
 *   log p(y = + | x_t) − log p(y = − | x_t) = 2 m_t x_t / v_t  (logits ±m_t x_t / v_t),
 *   ∇ log p(+ | x_t) = (2 m_t / v_t)(1 − sigmoid(2 m_t x_t / v_t)),
 * and the optimal unconditional denoiser of the mixture is
 *   ε̂(x_t) = −√(1 − ᾱ_t) ∇ log p(x_t) = √(1 − ᾱ_t)(x_t − m_t tanh(m_t x_t / v_t)) / v_t.
 * Since m·tanh(a) + 2m(1 − sigmoid(2a)) = m, DDIM's score form ε̂ − √(1 − ᾱ)·1·∇ log p(+ | x_t) is
 * exactly the conditional oracle's √(1 − ᾱ)(x_t − m_t)/v_t: at s = 1 guided DDIM must reproduce, sample
 * for sample, DDIM driven by the exact denoiser of N(μ, σ²), whose output is N(μ, σ²) (core's own
 * sampler tests bound its discretisation error). DDPM's mean shift Σ·∇ log p(y | x_t) is the
 * first-order version of the same thing (Sohl-Dickstein et al. 2015; Dhariwal & Nichol 2021 §4.1).
 *
 * Tolerances for N = 2000 samples: the fraction on the class's side has standard error
 * √(p(1 − p)/N) ≤ 0.0112, the mean σ/√N = 0.0089, the standard deviation ≈ σ/√(2N) = 0.0063; we allow
 * 5 standard errors. Every run starts from the same x_T and noise stream (same seed), so
 * comparisons between scales are paired.
 */
const MU = 0.2;
const SIGMA = 0.4;
const N = 2000;
const SHAPE = [N, 1, 1, 1] as const;
/** Φ(μ/σ) = Φ(0.5): the fraction of N(μ, σ²) above 0. */
const PHI_HALF = 0.6914624612740131;
const schedule = createNoiseSchedule('cosine', 1000);
const diffusion = new GaussianDiffusion({ schedule });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Per-timestep coefficient tables of the trained process, gathered by model timestep. */
function table(fn: (alphaBar: number) => number): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(schedule.alphasCumprod, fn));
}

function mixture() {
  const mOverV = table((ab) => (Math.sqrt(ab) * MU) / (ab * SIGMA * SIGMA + 1 - ab));
  const m = table((ab) => Math.sqrt(ab) * MU);
  const epsScale = table((ab) => Math.sqrt(1 - ab) / (ab * SIGMA * SIGMA + 1 - ab));
  const pick = (values: tf.Tensor1D, t: tf.Tensor1D) => tf.reshape(tf.gather(values, t), [-1, 1, 1, 1]);
  const denoiser: DenoiseFn = (x, t) =>
    tf.tidy(() => tf.mul(pick(epsScale, t), tf.sub(x, tf.mul(pick(m, t), tf.tanh(tf.mul(pick(mOverV, t), x))))) as tf.Tensor4D);
  const classifier: NoisyClassifier = {
    numClasses: 2,
    imageSize: 1,
    channels: 1,
    forward: (x, t) =>
      tf.tidy(() => {
        const a = tf.mul(pick(mOverV, t), x); // [N, 1, 1, 1]
        return tf.reshape(tf.concat([tf.neg(a), a], 3), [-1, 2]) as tf.Tensor2D;
      }),
    parameters: () => new Map(),
  };
  return { denoiser, classifier, dispose: () => tf.dispose([mOverV, m, epsScale]) };
}

async function run(factory: SamplerFactory, steps: string, model: DenoiseFn, guidance?: { classifier: NoisyClassifier; scale: number }): Promise<Float32Array> {
  const sampler = factory.create(diffusion, { steps, clipDenoised: false });
  const labels = new Array<number>(N).fill(1);
  const { sample: x } = await sample({
    sampler,
    model,
    shape: SHAPE,
    rng: createRng(42),
    ...(guidance === undefined ? {} : { classifier: classifierGuidance(guidance.classifier, labels, guidance.scale) }),
  });
  const values = Float32Array.from(await x.data());
  x.dispose();
  return values;
}

const stats = (v: Float32Array) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, std, positive: v.filter((x) => x > 0).length / v.length };
};

const SE_FRACTION = 0.0112;
const SE_MEAN = SIGMA / Math.sqrt(N);
const SE_STD = SIGMA / Math.sqrt(2 * N);

describe('(b) classifier guidance with an exact classifier of a two-Gaussian mixture', () => {
  for (const [name, factory, steps] of [
    ['DDIM (η = 0, 50 steps), score form', ddimSampler, 'ddim50'],
    ['DDPM (100 steps), mean shift', ddpmSampler, '100'],
  ] as const) {
    it(`${name}: s = 1 samples the class; s = 0, 1, 2, 4 pull monotonically towards it`, async () => {
      const { denoiser, classifier, dispose } = mixture();
      const before = tf.memory().numTensors;
      const byScale = new Map<number, ReturnType<typeof stats>>();
      let atOne: Float32Array | undefined;
      for (const scale of [0, 1, 2, 4]) {
        const values = await run(factory, steps, denoiser, { classifier, scale });
        if (scale === 1) atOne = values;
        byScale.set(scale, stats(values));
      }
      const oracle = gaussianOracle({ schedule, mean: MU, std: SIGMA, output: 'eps' });
      const conditional = await run(factory, steps, oracle);
      oracle.dispose();
      expect(tf.memory().numTensors).toBe(before); // (d): sampling with guidance leaks nothing
      dispose();

      const [s0, s1, s2, s4] = [0, 1, 2, 4].map((s) => byScale.get(s)!);
      console.log(name, JSON.stringify(Object.fromEntries(byScale)), JSON.stringify(stats(conditional)));
      // s = 0: the unconditional mixture, symmetric about 0.
      expect(Math.abs(s0!.positive - 0.5)).toBeLessThan(5 * SE_FRACTION);
      expect(Math.abs(s0!.mean)).toBeLessThan(5 * Math.sqrt((MU * MU + SIGMA * SIGMA) / N));
      // s = 1: the class-conditional N(μ, σ²).
      expect(Math.abs(s1!.positive - PHI_HALF)).toBeLessThan(5 * SE_FRACTION);
      expect(Math.abs(s1!.mean - MU)).toBeLessThan(5 * SE_MEAN);
      expect(Math.abs(s1!.std - SIGMA)).toBeLessThan(5 * SE_STD);
      // Larger s pulls further towards the class: the fraction on its side and the mean rise with s.
      expect(s0!.positive).toBeLessThan(s1!.positive);
      expect(s1!.positive).toBeLessThan(s2!.positive);
      expect(s2!.positive).toBeLessThan(s4!.positive);
      expect(s1!.mean).toBeLessThan(s2!.mean);
      expect(s2!.mean).toBeLessThan(s4!.mean);
      // Against the exact conditional denoiser with the same noise: identical for DDIM's score form
      // (float32 rounding only); for DDPM's first-order mean shift, close in distribution.
      if (factory === ddimSampler) {
        const worst = atOne!.reduce((w, v, i) => Math.max(w, Math.abs(v - conditional[i]!)), 0);
        expect(worst).toBeLessThan(1e-3);
      } else {
        const c = stats(conditional);
        expect(Math.abs(s1!.mean - c.mean)).toBeLessThan(5 * SE_MEAN);
        expect(Math.abs(s1!.positive - c.positive)).toBeLessThan(5 * SE_FRACTION);
      }
    });
  }
});

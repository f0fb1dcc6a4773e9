import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, classifierFreeGuidance, createNoiseSchedule, sample, samplers, type DenoiserCondition } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStage } from '../stage/stage';
import { tinyDenoiser } from '../testing/tiny-denoiser';
import { batchedGuidance } from './batched-guidance';
import { createCascade } from './cascade';
import { stageBatchRng } from './image-streams';

// float32: the batched and the two-pass guidance run the same kernels on the same rows, so they
// agree to rounding. Tolerance: 1e-5 of the largest magnitude (on tfjs-cpu they are equal bit for bit).
const TOLERANCE = 1e-5;

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(TOLERANCE * scale);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base = tinyDenoiser({ numClasses: 4, nullClass: true, seed: 1 });
const sigma = tinyDenoiser({ numClasses: 4, nullClass: true, learnSigma: true, seed: 3 });
const sr = tinyDenoiser({ superResolution: true, numClasses: 4, nullClass: true, seed: 2 });
afterAll(() => [base, sigma, sr].forEach((d) => d.dispose()));

describe('batchedGuidance', () => {
  it('equals the two-pass guidance (with learned variance and super-resolution conditions too)', () => {
    for (const [denoiser, withLowRes] of [[base, false], [sigma, false], [sr, true]] as const) {
      tf.tidy(() => {
        const x = tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
        const t = tf.tensor1d([10, 500, 990], 'int32');
        const labels = tf.tensor1d([0, 3, 1], 'int32');
        const nullLabels = tf.fill([3], 4, 'int32') as tf.Tensor1D;
        const condition: DenoiserCondition = withLowRes
          ? { classLabels: labels, lowRes: tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 6) as tf.Tensor4D, augLevel: tf.tensor1d([0, 50, 250]) }
          : { classLabels: labels };
        const model = (a: tf.Tensor4D, b: tf.Tensor1D, c: DenoiserCondition | undefined) => denoiser.forward(a, b, c);
        for (const scale of [0, 2, 7.5]) {
          const batched = batchedGuidance(model, { scale, nullLabels, predictionChannels: 3 })(x, t, condition);
          const twoPass = classifierFreeGuidance(model(x, t, condition), model(x, t, { ...condition, classLabels: nullLabels }), scale, 3);
          expect(batched.shape).toEqual(twoPass.shape);
          expectClose(batched.dataSync() as Float32Array, twoPass.dataSync() as Float32Array);
        }
      });
    }
  });

  it('calls the model once, with the batch and every condition stacked (labels, then the null class)', () => {
    const calls: { batch: number; labels: number[]; lowRes?: number; augLevel?: number[] }[] = [];
    tf.tidy(() => {
      const model = (x: tf.Tensor4D, t: tf.Tensor1D, c: DenoiserCondition | undefined) => {
        calls.push({
          batch: x.shape[0],
          labels: Array.from(c!.classLabels!.dataSync()),
          ...(c?.lowRes ? { lowRes: c.lowRes.shape[0] } : {}),
          ...(c?.augLevel ? { augLevel: Array.from(c.augLevel.dataSync()) } : {}),
        });
        expect(t.shape).toEqual([x.shape[0]]);
        return tf.zerosLike(x);
      };
      const guided = batchedGuidance(model, { scale: 3, nullLabels: tf.tensor1d([9, 9], 'int32'), predictionChannels: 3 });
      const x = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
      guided(x, tf.tensor1d([1, 2], 'int32'), { classLabels: tf.tensor1d([0, 1], 'int32'), lowRes: tf.zeros([2, 4, 4, 3]) as tf.Tensor4D, augLevel: tf.tensor1d([5, 6]) });
    });
    expect(calls).toEqual([{ batch: 4, labels: [0, 1, 9, 9], lowRes: 4, augLevel: [5, 6, 5, 6] }]);
  });

  it('leaves no tensors behind', () => {
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([1, 2], 'int32');
    const labels = tf.tensor1d([0, 1], 'int32');
    const nullLabels = tf.tensor1d([4, 4], 'int32');
    const before = tf.memory().numTensors;
    const out = batchedGuidance((a, b, c) => base.forward(a, b, c), { scale: 2, nullLabels, predictionChannels: 3 })(x, t, { classLabels: labels });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([out, x, t, labels, nullLabels]);
  });
});

describe('the cascade with classifier-free guidance', () => {
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) });
  const stage = createStage({ name: 'base', resolution: 8, denoiser: base, diffusion, numClasses: 4, nullClass: 4, defaults: { sampler: 'ddpm', steps: 5, guidanceScale: 3 } });

  it('samples what core’s two-pass guidance samples from the same per-image streams', async () => {
    const seed = 21;
    const classLabels = [0, 2, 3];
    const { images } = await createCascade([stage]).sample({ classLabels, seed });
    const labels = tf.tensor1d(classLabels, 'int32');
    const nullLabels = tf.fill([3], 4, 'int32') as tf.Tensor1D;
    const { sample: reference } = await sample({
      sampler: samplers.get('ddpm').create(diffusion, { steps: 5 }),
      model: (x, t, c) => base.forward(x, t, c),
      shape: [3, 8, 8, 3],
      rng: stageBatchRng(seed, 0, 0, 3),
      condition: { classLabels: labels },
      classifierFree: { scale: 3, unconditional: { classLabels: nullLabels } },
    });
    expectClose((await images.data()) as Float32Array, (await reference.data()) as Float32Array);
    tf.dispose([images, reference, labels, nullLabels]);
  });

  it('image i still depends only on (seed, i) when guided, and runs are deterministic', async () => {
    const cascade = createCascade([stage]);
    const pixels = 8 * 8 * 3;
    const run = async (labels: number[], firstIndex = 0) => {
      const { images } = await cascade.sample({ classLabels: labels, seed: 4, firstIndex });
      const data = (await images.data()) as Float32Array;
      images.dispose();
      return Array.from({ length: labels.length }, (_, k) => data.slice(k * pixels, (k + 1) * pixels));
    };
    const three = await run([0, 1, 2]);
    expect(await run([0, 1, 2])).toEqual(three);
    expectClose((await run([1], 1))[0]!, three[1]!);
    expectClose((await run([2], 2))[0]!, three[2]!);
  });
});

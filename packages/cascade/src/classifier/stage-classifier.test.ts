import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, ddimSampler, sample } from '@cdm/core';
import { codedError } from '@cdm/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCascade } from '../cascade/cascade';
import { stageBatchRng } from '../cascade/image-streams';
import { createStage } from '../stage/stage';
import { tinyDenoiser } from '../testing/tiny-denoiser';
import { classifierGuidance } from './classifier-guidance';
import type { NoisyClassifier } from './noisy-classifier';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** An analytic 10-class classifier of 8×8 images: logits_k = (k − 4.5)·mean(x)·(1 + t/1000). */
const classifier: NoisyClassifier = {
  numClasses: 10,
  imageSize: 8,
  channels: 3,
  forward: (x, t) =>
    tf.tidy(() => {
      const m = tf.mul(tf.mean(x, [1, 2, 3]), tf.add(1, tf.div(tf.cast(t, 'float32'), 1000)));
      return tf.mul(tf.reshape(m, [-1, 1]), tf.tensor2d([[-4.5, -3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5]])) as tf.Tensor2D;
    }),
  parameters: () => new Map(),
};

const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) });

describe('a stage with a classifier', () => {
  it('samples with classifier guidance at classifierScale (default 1), exactly as core sample() with classifierGuidance', async () => {
    const denoiser = tinyDenoiser({ numClasses: 10, hidden: 8, seed: 4 });
    const plain = createStage({ resolution: 8, denoiser, diffusion, numClasses: 10, defaults: { sampler: 'ddim', steps: 10 } });
    const guided = createStage({ resolution: 8, denoiser, diffusion, numClasses: 10, classifier, defaults: { sampler: 'ddim', steps: 10 } });
    const classLabels = [0, 9];
    const images = async (stage: typeof plain, classifierScale?: number) => {
      const { images: out } = await createCascade([stage]).sample({ classLabels, seed: 3, ...(classifierScale === undefined ? {} : { stages: [{ classifierScale }] }) });
      const values = Array.from(await out.data());
      out.dispose();
      return values;
    };
    const before = tf.memory().numTensors;
    const unguided = await images(plain);
    expect(await images(guided, 0)).toEqual(unguided); // scale 0 is no guidance
    const atDefault = await images(guided);
    const atThree = await images(guided, 3);
    expect(tf.memory().numTensors).toBe(before); // (d)
    expect(atDefault).not.toEqual(unguided);
    // The cascade's wiring equals calling core's loop directly with the same noise and guidance.
    const labels = tf.tensor1d(classLabels, 'int32');
    const { sample: direct } = await sample({
      sampler: ddimSampler.create(diffusion, { steps: 10 }),
      model: (x, t, c) => denoiser.forward(x, t, c),
      shape: [2, 8, 8, 3],
      rng: stageBatchRng(3, 0, 0, 2), // the cascade's per-image streams of stage 0
      condition: { classLabels: labels },
      classifier: classifierGuidance(classifier, classLabels, 3),
    });
    expect(Array.from(await direct.data())).toEqual(atThree);
    // Guidance towards class 9 raises the image mean, towards class 0 lowers it (logits ∝ (k − 4.5)·mean).
    const mean = (v: number[], i: number) => v.slice(i * 192, (i + 1) * 192).reduce((a, b) => a + b, 0) / 192;
    expect(mean(atThree, 1) - mean(unguided, 1)).toBeGreaterThan(0);
    expect(mean(atThree, 0) - mean(unguided, 0)).toBeLessThan(0);
    tf.dispose([labels, direct]);
    denoiser.dispose();
  });

  it('(e) coded errors: a classifier that does not fit the stage, a scale without a classifier or labels, a negative scale', async () => {
    const denoiser = tinyDenoiser({ numClasses: 10, hidden: 8 });
    expect((await codedError(() => createStage({ resolution: 16, denoiser, diffusion, numClasses: 10, classifier }))).message).toBe(
      "Invalid stage-16: classifier.imageSize: expected 16 (the stage's resolution), got 8 [CDM_INVALID_ARGUMENT]",
    );
    expect((await codedError(() => createStage({ resolution: 8, denoiser, diffusion, numClasses: 4, classifier }))).message).toMatch(
      /Invalid stage-8: classifier\.numClasses: expected 4 \(the stage's classes\), got 10/,
    );
    const plain = createCascade([createStage({ resolution: 8, denoiser, diffusion, numClasses: 10 })]);
    expect((await codedError(() => plain.sample({ classLabels: [1], seed: 0, stages: [{ classifierScale: 2 }] }))).message).toMatch(
      /Invalid stages\[0\]\.classifierScale: expected 0: stage "stage-8" has no classifier, got 2/,
    );
    const guided = createCascade([createStage({ resolution: 8, denoiser, diffusion, classifier })]);
    expect((await codedError(() => guided.sample({ count: 2, seed: 0 }))).message).toMatch(
      /Invalid stages\[0\]\.classifierScale: expected 0 when sampling without classLabels/,
    );
    expect((await codedError(() => guided.sample({ classLabels: [1], seed: 0, stages: [{ classifierScale: -1 }] }))).message).toMatch(
      /Invalid stages\[0\]\.classifierScale: expected a finite number ≥ 0, got -1/,
    );
    denoiser.dispose();
  });
});

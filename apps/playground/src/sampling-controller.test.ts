import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { GaussianDiffusion, createNoiseSchedule, isCdmError, type Denoiser } from '@cdm/core';
import { createCascade, createStage } from '@cdm/cascade';
import { runSampling, type StagePreview } from './sampling-controller';

/** ε̂ = 0.5·x_t (+ 0.1·lowRes for a super-resolution stage): no weights, but a real reverse process. */
function linearDenoiser(): Denoiser {
  return {
    output: 'eps',
    learnSigma: false,
    channels: 3,
    forward: (x, _t, cond) => tf.tidy(() => (cond?.lowRes === undefined ? tf.mul(x, 0.5) : tf.add(tf.mul(x, 0.5), tf.mul(cond.lowRes, 0.1)))),
    parameters: () => new Map(),
    dispose: () => undefined,
  };
}

function twoStageCascade() {
  const diffusion = () => new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) });
  return createCascade([
    createStage({ name: 'base', resolution: 4, denoiser: linearDenoiser(), diffusion: diffusion(), numClasses: 2 }),
    createStage({ name: 'sr', resolution: 8, lowResolution: 4, denoiser: linearDenoiser(), diffusion: diffusion() }),
  ]);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('runSampling', () => {
  it('hands every stage’s images and time to onStage, previews on the way, and leaks no tensors', async () => {
    const cascade = twoStageCascade();
    const before = tf.memory().numTensors;
    const previews: StagePreview[] = [];
    const stageNames: string[] = [];
    const run = await runSampling(
      cascade,
      { classLabel: 1, count: 2, seed: 3, stages: [{ steps: 4 }, { steps: 3 }] },
      { onPreview: (p) => previews.push(p), onStage: (s) => stageNames.push(s.stageName) },
    );
    expect(stageNames).toEqual(['base', 'sr']);
    expect(run.stages.map((s) => [s.images.count, s.images.height, s.images.width, s.images.channels, s.images.values.length])).toEqual([
      [2, 4, 4, 3, 96],
      [2, 8, 8, 3, 384],
    ]);
    expect(run.timings).toHaveLength(2);
    expect(previews.length).toBeGreaterThan(0);
    expect(previews.every((p) => p.step >= 1 && p.step <= p.totalSteps && p.images.height === (p.stage === 0 ? 4 : 8))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same images for the same seed and different ones for another seed', async () => {
    const cascade = twoStageCascade();
    const settings = { classLabel: 0, count: 1, stages: [{ steps: 3 }, { steps: 2 }] };
    const a = await runSampling(cascade, { ...settings, seed: 5 });
    const b = await runSampling(cascade, { ...settings, seed: 5 });
    const c = await runSampling(cascade, { ...settings, seed: 6 });
    expect(Array.from(b.stages[1]!.images.values)).toEqual(Array.from(a.stages[1]!.images.values));
    expect(Array.from(c.stages[1]!.images.values)).not.toEqual(Array.from(a.stages[1]!.images.values));
  });

  it('stops with CDM_ABORTED when the signal fires mid-run, freeing what it allocated', async () => {
    const cascade = twoStageCascade();
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const run = runSampling(cascade, { classLabel: 0, count: 1, seed: 1, stages: [{ steps: 20 }, { steps: 20 }] }, {
      signal: controller.signal,
      onPreview: (p) => {
        if (p.step >= 2) controller.abort();
      },
    });
    await expect(run).rejects.toSatisfy((error: unknown) => isCdmError(error, 'CDM_ABORTED'));
    await new Promise((resolve) => setTimeout(resolve, 10)); // let a pending preview read finish
    expect(tf.memory().numTensors).toBe(before);
  });
});

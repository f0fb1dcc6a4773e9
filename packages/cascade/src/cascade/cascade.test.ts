import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, resizeImages, type AugmentationPolicy, type Denoiser, type DenoiserCondition } from '@cdm/core';
import { gaussianOracle } from '@cdm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStage, type Stage } from '../stage/stage';
import { tinyDenoiser } from '../testing/tiny-denoiser';
import { createCascade } from './cascade';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const schedule = createNoiseSchedule('cosine', 100);
const diffusion = new GaussianDiffusion({ schedule });

/** A policy that shifts the image by level/1000 (so the hand-over is visible) and reports the level. */
const shiftPolicy: AugmentationPolicy = {
  name: 'shift',
  train: (lowRes) => ({ image: tf.clone(lowRes), level: tf.zeros([lowRes.shape[0]]) }),
  sample: (lowRes, _context, { level, handover }) => ({
    image: handover === 'truncated' ? tf.clone(lowRes) : (tf.add(lowRes, level / 1000) as tf.Tensor4D),
    level: tf.fill([lowRes.shape[0]], level),
  }),
};

/** Wraps a denoiser and records the conditions it was called with (copied). */
function spy(inner: Denoiser): Denoiser & { calls: { lowRes?: Float32Array; augLevel?: Float32Array; labels?: Int32Array }[] } {
  const calls: { lowRes?: Float32Array; augLevel?: Float32Array; labels?: Int32Array }[] = [];
  return {
    output: inner.output,
    learnSigma: inner.learnSigma,
    channels: inner.channels,
    parameters: () => inner.parameters(),
    dispose: () => undefined, // the spy does not own the inner network
    calls,
    forward(x, t, cond?: DenoiserCondition) {
      calls.push({
        ...(cond?.lowRes ? { lowRes: cond.lowRes.dataSync() as Float32Array } : {}),
        ...(cond?.augLevel ? { augLevel: cond.augLevel.dataSync() as Float32Array } : {}),
        ...(cond?.classLabels ? { labels: cond.classLabels.dataSync() as Int32Array } : {}),
      });
      return inner.forward(x, t, cond);
    },
  };
}

const base = tinyDenoiser({ numClasses: 4, nullClass: true, seed: 1 });
const sr = tinyDenoiser({ superResolution: true, seed: 2 });
afterAll(() => {
  base.dispose();
  sr.dispose();
});

function twoStages(baseDenoiser: Denoiser = base, srDenoiser: Denoiser = sr): Stage[] {
  return [
    createStage({ name: 'base', resolution: 8, denoiser: baseDenoiser, diffusion, numClasses: 4, nullClass: 4, defaults: { sampler: 'ddim', steps: 'ddim10' } }),
    createStage({ name: 'sr', resolution: 16, lowResolution: 8, upsample: 'bicubic', augmentation: shiftPolicy, denoiser: srDenoiser, diffusion, defaults: { sampler: 'ddim', steps: 'ddim10' } }),
  ];
}

describe('createCascade().sample', () => {
  it('runs every stage and returns finite images of the last resolution', async () => {
    const cascade = createCascade(twoStages());
    const timings: number[] = [];
    const { images } = await cascade.sample({ classLabels: [0, 3], seed: 1, onStage: (_, x) => timings.push(x.shape[1]) });
    expect(images.shape).toEqual([2, 16, 16, 3]);
    expect(timings).toEqual([8, 16]);
    expect((await images.data()).every(Number.isFinite)).toBe(true);
    images.dispose();
  });

  it('image i depends only on (seed, i): the same with n = 1, n = 3 or in batches started at firstIndex', async () => {
    const cascade = createCascade(twoStages());
    const stages = [{ sampler: 'ddpm', steps: 5 }, { sampler: 'ddim', steps: 5, eta: 1 }]; // stochastic steps too
    const pixels = 16 * 16 * 3;
    const images = async (labels: number[], firstIndex?: number) => {
      const { images: x } = await cascade.sample({ classLabels: labels, seed: 11, stages, ...(firstIndex === undefined ? {} : { firstIndex }) });
      const data = (await x.data()) as Float32Array;
      x.dispose();
      return Array.from({ length: labels.length }, (_, k) => Array.from(data.subarray(k * pixels, (k + 1) * pixels)));
    };
    const three = await images([0, 1, 2]);
    expect((await images([0]))[0]).toEqual(three[0]);
    const [second, third] = await images([1, 2], 1);
    expect(second).toEqual(three[1]);
    expect(third).toEqual(three[2]);
    expect((await images([2], 2))[0]).toEqual(three[2]);
    expect(three[1]).not.toEqual(three[0]);
    // Another seed, another image; seeds are 0 … 2^53 − 1 and refused beyond.
    const { images: other } = await cascade.sample({ classLabels: [0], seed: 2 ** 32 + 11, stages });
    expect(Array.from(await other.data())).not.toEqual(three[0]);
    other.dispose();
    for (const seed of [-1, 1.5, 2 ** 53]) {
      await expect(cascade.sample({ classLabels: [0], seed, stages })).rejects.toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringContaining('Invalid seed') }));
    }
    await expect(cascade.sample({ classLabels: [0], seed: 1, firstIndex: -1 })).rejects.toThrow(/Invalid firstIndex/);
  });

  it('conditions the super-resolution stage on upsample(policy(previous output)) with the level', async () => {
    const baseSpy = spy(base);
    const srSpy = spy(sr);
    let baseOutput: tf.Tensor4D | undefined;
    const cascade = createCascade(twoStages(baseSpy, srSpy));
    const { images } = await cascade.sample({
      classLabels: [1, 2],
      seed: 2,
      stages: [{}, { augLevel: 250 }],
      onStage: (i, x) => {
        if (i === 0) baseOutput = tf.keep(x.clone());
      },
    });
    const expected = tf.tidy(() => resizeImages(tf.add(baseOutput!, 0.25) as tf.Tensor4D, 16, 16, 'bicubic'));
    const expectedValues = await expected.data();
    const seen = srSpy.calls[0]!;
    expect(Math.max(...Array.from(seen.lowRes!, (v, i) => Math.abs(v - expectedValues[i]!)))).toBeLessThan(1e-6);
    expect(Array.from(seen.augLevel!)).toEqual([250, 250]);
    expect(srSpy.calls.every((call) => call.lowRes !== undefined && call.labels === undefined)).toBe(true);
    expect(Array.from(baseSpy.calls[0]!.labels!)).toEqual([1, 2]);
    tf.dispose([images, baseOutput!, expected]);
  });

  it('truncated hand-over stops the previous stage at level s and passes z_s unchanged', async () => {
    const steps: number[][] = [[], []];
    let handedOver: tf.Tensor4D | undefined;
    const srSpy = spy(sr);
    const cascade = createCascade(twoStages(base, srSpy));
    const { images } = await cascade.sample({
      classLabels: [0],
      seed: 3,
      stages: [{}, { augLevel: 31, truncate: true }], // ddim10 over 100 steps visits levels 91, 81, …, 31, 21, 11, 1
      onProgress: (e) => steps[e.stage]!.push(e.step),
      onStage: (i, x) => {
        if (i === 0) handedOver = tf.keep(x.clone());
      },
    });
    expect(steps[0]).toEqual([1, 2, 3, 4, 5, 6]); // levels 91 → 31 take 6 steps
    expect(steps[1]).toHaveLength(10);
    const expected = tf.tidy(() => resizeImages(handedOver!, 16, 16, 'bicubic'));
    const expectedValues = await expected.data();
    expect(Math.max(...Array.from(srSpy.calls[0]!.lowRes!, (v, i) => Math.abs(v - expectedValues[i]!)))).toBeLessThan(1e-6);
    expect(Array.from(srSpy.calls[0]!.augLevel!)).toEqual([31]);
    tf.dispose([images, handedOver!, expected]);
  });

  it('starts from a hand-over: the same images as the full run, clean or truncated, from states one base run recorded', async () => {
    const cascade = createCascade(twoStages());
    const ddpm = [{ sampler: 'ddpm', steps: 10 }, { sampler: 'ddpm', steps: 5 }] as const;
    const states = new Map<number, tf.Tensor4D>();
    const full = await cascade.sample({
      classLabels: [0, 3],
      seed: 6,
      stages: ddpm,
      onProgress: (e) => e.stage === 0 && states.set(e.level, tf.keep(e.state.clone())),
    });
    const fromBase = await cascade.sample({ classLabels: [0, 3], seed: 6, stages: ddpm, handover: { stage: 1, images: states.get(0)! } });
    expect(Array.from(await fromBase.images.data())).toEqual(Array.from(await full.images.data()));
    // DDPM over 100 steps with 10 respaced steps: levels 90, 79, 68, … (the respaced timesteps plus one).
    const level = [...states.keys()][4]!;
    const truncatedStages = [ddpm[0], { ...ddpm[1], augLevel: level, truncate: true }] as const;
    const truncated = await cascade.sample({ classLabels: [0, 3], seed: 6, stages: truncatedStages });
    const fromState = await cascade.sample({ classLabels: [0, 3], seed: 6, stages: truncatedStages, handover: { stage: 1, images: states.get(level)!, level } });
    expect(Array.from(await fromState.images.data())).toEqual(Array.from(await truncated.images.data()));
    expect(states.get(0)!.isDisposed).toBe(false); // the caller's hand-over is not consumed
    tf.dispose([full.images, fromBase.images, truncated.images, fromState.images]);
    tf.dispose([...states.values()]);
  });

  it('rejects a hand-over that does not fit the stage, its shape or its level', async () => {
    const cascade = createCascade(twoStages());
    const images = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    await expect(cascade.sample({ classLabels: [0], seed: 1, handover: { stage: 0, images } })).rejects.toThrow(/handover\.stage: expected a super-resolution stage index in 1…1, got 0/);
    await expect(cascade.sample({ classLabels: [0, 1], seed: 1, handover: { stage: 1, images } })).rejects.toThrow(/handover\.images.*\[2, 8, 8, 3\]/);
    await expect(cascade.sample({ classLabels: [0], seed: 1, handover: { stage: 1, images, level: 31 } })).rejects.toThrow(/handover\.level: expected 0: stage "sr" takes a clean hand-over/);
    await expect(cascade.sample({ classLabels: [0], seed: 1, stages: [{}, { augLevel: 31, truncate: true }], handover: { stage: 1, images } })).rejects.toThrow(/handover\.level: expected 31/);
    images.dispose();
  });

  it('is reproducible from the seed, and a stage’s noise does not depend on later stages’ settings', async () => {
    const cascade = createCascade(twoStages());
    const firstStage = async (srSteps: string) => {
      let kept: Float32Array | undefined;
      const { images } = await cascade.sample({
        classLabels: [2],
        seed: 5,
        stages: [{}, { steps: srSteps }],
        onStage: (i, x) => {
          if (i === 0) kept = x.dataSync() as Float32Array;
        },
      });
      const values = (await images.data()) as Float32Array;
      images.dispose();
      return { kept: Array.from(kept!), values: Array.from(values) };
    };
    const a = await firstStage('ddim10');
    const b = await firstStage('ddim10');
    const c = await firstStage('ddim5');
    expect(a.values).toEqual(b.values);
    expect(c.kept).toEqual(a.kept);
    expect(c.values).not.toEqual(a.values);
  });

  it('guidance scale 1 equals no guidance; other scales call the null class', async () => {
    const baseSpy = spy(base);
    const cascade = createCascade(twoStages(baseSpy));
    const plain = await cascade.sample({ classLabels: [0, 1], seed: 7 });
    const one = await cascade.sample({ classLabels: [0, 1], seed: 7, stages: [{ guidanceScale: 1 }] });
    expect(Array.from(await one.images.data())).toEqual(Array.from(await plain.images.data()));
    baseSpy.calls.length = 0;
    const guided = await cascade.sample({ classLabels: [0, 1], seed: 7, stages: [{ guidanceScale: 3 }] });
    // One forward of batch 2B: the labels, then the null class (batched-guidance.ts).
    expect(baseSpy.calls.some((call) => call.labels?.join() === '0,1,4,4')).toBe(true);
    expect(Array.from(await guided.images.data())).not.toEqual(Array.from(await plain.images.data()));
    tf.dispose([plain.images, one.images, guided.images]);
  });

  it('samples the right distribution through a cascade of exact denoisers', async () => {
    // Base: optimal denoiser of N(0.4, 0.3²); the SR stage ignores its conditioning (optimal for
    // N(−0.2, 0.1²)), so the final images must follow N(−0.2, 0.1²) whatever the hand-over.
    const oracle = (mean: number, std: number): Denoiser => {
      const fn = gaussianOracle({ schedule, mean, std, output: 'eps' });
      return { output: 'eps', learnSigma: false, channels: 3, parameters: () => new Map(), forward: (x, t) => fn(x, t, undefined), dispose: fn.dispose };
    };
    const stages = [
      createStage({ resolution: 8, denoiser: oracle(0.4, 0.3), diffusion, defaults: { sampler: 'ddpm', steps: 100 } }),
      createStage({ resolution: 16, lowResolution: 8, augmentation: shiftPolicy, denoiser: oracle(-0.2, 0.1), diffusion, defaults: { sampler: 'ddpm', steps: 100 } }),
    ];
    const baseMeans: number[] = [];
    const { images } = await createCascade(stages).sample({
      count: 16,
      seed: 11,
      onStage: (i, x) => {
        if (i === 0) baseMeans.push(tf.mean(x).dataSync()[0]!);
      },
    });
    const { mean, variance } = tf.moments(images);
    expect(Math.abs(baseMeans[0]! - 0.4)).toBeLessThan(0.03);
    expect(Math.abs((await mean.data())[0]! + 0.2)).toBeLessThan(0.01);
    // DDPM with the β̃ variance under-disperses narrow data on a short process: propagating the exact
    // linear-Gaussian chain in float64 (cosine, T = 100, σ = 0.1) gives std 0.0872, not 0.1; the
    // mean is exact. 5 standard errors of the std over 12 288 values: 0.0872·5/√(2·12 288) ≈ 0.003.
    expect(Math.abs(Math.sqrt((await variance.data())[0]!) - 0.0872)).toBeLessThan(0.003);
    tf.dispose([images, mean, variance]);
  });

  it('leaks no tensors across calls, and stops with CDM_ABORTED when aborted', async () => {
    const cascade = createCascade(twoStages());
    const warm = await cascade.sample({ classLabels: [0], seed: 1 });
    warm.images.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) (await cascade.sample({ classLabels: [0, 1], seed: i, stages: [{ guidanceScale: 2 }, { augLevel: 50 }] })).images.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    const aborted = cascade.sample({ classLabels: [0], seed: 1, signal: controller.signal, onProgress: (e) => e.stage === 1 && controller.abort() });
    await expect(aborted).rejects.toThrow(expect.objectContaining({ code: 'CDM_ABORTED' }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects inconsistent cascades and parameters with errors naming the field', async () => {
    const [b, s] = twoStages();
    expect(() => createCascade([s!])).toThrow(/stages\[0\] \(sr\): expected a base stage/);
    const wrongLow = createStage({ name: 'sr32', resolution: 32, lowResolution: 16, denoiser: sr, diffusion });
    expect(() => createCascade([b!, wrongLow])).toThrow(/stages\[1\] \(sr32\)\.lowResolution: expected 8, the resolution of base, got 16/);
    const cascade = createCascade([b!, s!]);
    await expect(cascade.sample({ classLabels: [0], seed: 1, stages: [{}, { augLevel: 30, truncate: true }] })).rejects.toThrow(/stages\[1\]\.augLevel: expected a level the previous stage's sampler passes through/);
    await expect(cascade.sample({ classLabels: [0], seed: 1, stages: [{ augLevel: 3 }] })).rejects.toThrow(/stages\[0\]: expected no augLevel/);
    await expect(cascade.sample({ classLabels: [], seed: 1 })).rejects.toThrow(/Invalid classLabels/);
    const noNull = createCascade([createStage({ resolution: 8, denoiser: base, diffusion, numClasses: 4 })]);
    await expect(noNull.sample({ classLabels: [0], seed: 1, stages: [{ guidanceScale: 2 }] })).rejects.toThrow(/has no null class/);
    expect(() => createStage({ resolution: 8, denoiser: base, diffusion, augmentation: shiftPolicy })).toThrow(/augmentation and upsample apply to super-resolution stages only/);
    expect(() => createStage({ resolution: 8, denoiser: base, diffusion, defaults: { sampler: 'euler' } })).toThrow(/Unknown sampler "euler"/);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DenoiseFn } from '../contracts/denoiser';
import { GaussianDiffusion } from '../diffusion/gaussian-diffusion';
import { createRng } from '../rng';
import { cosineSchedule } from '../schedules/cosine';
import { gaussianOracle } from '../testing/gaussian-oracle';
import { ddimSampler } from './ddim';
import { ddpmSampler } from './ddpm';
import { dpmSolverPlusPlusSampler, sdeDpmSolverPlusPlusSampler } from './dpm-solver-plus-plus';
import { sample, truncationLevels } from './sample-loop';
import { createSamplerRegistry } from './sampler-registry';

// The solver's arithmetic is checked against a float64 re-implementation in analytic.test.ts; these
// tests cover its contract: first order where it must be, its history, and its options.

const schedule = cosineSchedule.create(1000);
const diffusion = new GaussianDiffusion({ schedule, modelOutput: 'v' });
const SHAPE = [2, 8, 8, 3] as const;
const oracle = () => gaussianOracle({ schedule, mean: 0.2, std: 0.4, output: 'v' });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function values(x: tf.Tensor): Promise<Float32Array> {
  const data = (await x.data()) as Float32Array;
  x.dispose();
  return data;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

describe('DPM-Solver++(2M)', () => {
  it('is registered as "dpm++2m" and refuses η ≠ 0', () => {
    expect(createSamplerRegistry().get('dpm++2m')).toBe(dpmSolverPlusPlusSampler);
    expect(() => dpmSolverPlusPlusSampler.create(diffusion, { eta: 0.5 })).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    expect(() => dpmSolverPlusPlusSampler.create(diffusion, { eta: 0, steps: 'trailing10' })).not.toThrow();
  });

  it('is DDIM (η = 0) on a two-step run, where both steps are first order', async () => {
    for (const steps of ['trailing2', 2] as const) {
      const model = oracle();
      const run = async (factory: typeof ddimSampler) =>
        values((await sample({ sampler: factory.create(diffusion, { steps }), model, shape: SHAPE, rng: createRng(3) })).sample);
      expect(maxAbsDiff(await run(dpmSolverPlusPlusSampler), await run(ddimSampler))).toBeLessThan(1e-6);
      model.dispose();
    }
  });

  it('SDE form: is DDPM (posterior variance) on a two-step run, noise for noise, and refuses η ≠ 0', async () => {
    expect(createSamplerRegistry().get('dpm++2m-sde')).toBe(sdeDpmSolverPlusPlusSampler);
    expect(() => sdeDpmSolverPlusPlusSampler.create(diffusion, { eta: 1 })).toThrow(/dpm\+\+2m-sde takes no η/);
    const small = new GaussianDiffusion({ schedule, modelOutput: 'v', modelVariance: 'fixedSmall' });
    for (const steps of ['trailing2', 2] as const) {
      const model = oracle();
      const run = async (factory: typeof ddpmSampler) =>
        values((await sample({ sampler: factory.create(small, { steps }), model, shape: SHAPE, rng: createRng(3) })).sample);
      expect(maxAbsDiff(await run(sdeDpmSolverPlusPlusSampler), await run(ddpmSampler))).toBeLessThan(1e-5);
      model.dispose();
    }
  });

  it('differs from DDIM from the second step on (the correction is applied)', async () => {
    const model = oracle();
    const run = async (factory: typeof ddimSampler) =>
      values((await sample({ sampler: factory.create(diffusion, { steps: 'trailing3' }), model, shape: SHAPE, rng: createRng(3) })).sample);
    expect(maxAbsDiff(await run(dpmSolverPlusPlusSampler), await run(ddimSampler))).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('applies classifier guidance in score form on its first step, as DDIM does', async () => {
    const model = oracle();
    const x = tf.randomNormal<tf.Rank.R4>([...SHAPE], 0, 1, 'float32', 4);
    const gradient = tf.randomNormal<tf.Rank.R4>([...SHAPE], 0, 1, 'float32', 5);
    const steps = 'trailing10';
    const [dpm, ddim] = [dpmSolverPlusPlusSampler, ddimSampler].map((factory) => factory.create(diffusion, { steps }));
    const t = dpm!.timesteps[0]!;
    const modelOutput = model(x, tf.fill([SHAPE[0]], dpm!.diffusion.schedule.timestepMap[t]!, 'int32') as tf.Tensor1D, undefined);
    const input = { modelOutput, t, xt: x, rng: createRng(1), classifierGradient: gradient };
    const a = dpm!.step(input);
    const b = ddim!.step(input);
    expect(maxAbsDiff(await values(a.prev), await values(b.prev))).toBeLessThan(1e-6);
    dpm!.reset!();
    tf.dispose([a.predX0, b.predX0, x, gradient, modelOutput]);
    model.dispose();
  });

  it('keeps one x̂_0 between steps, and releases it at the end of a run, on reset() and when a run is truncated or fails', async () => {
    const model = oracle();
    const sampler = dpmSolverPlusPlusSampler.create(diffusion, { steps: 'trailing10' });
    const before = tf.memory().numTensors;
    const { sample: full } = await sample({ sampler, model, shape: SHAPE, rng: createRng(1) });
    expect(tf.memory().numTensors).toBe(before + 1);
    full.dispose();

    const level = truncationLevels(sampler)[4]!;
    const { sample: truncated } = await sample({ sampler, model, shape: SHAPE, rng: createRng(1), truncateAt: level });
    expect(tf.memory().numTensors).toBe(before + 1);
    truncated.dispose();

    let calls = 0;
    const failing: DenoiseFn = (x, t, c) => {
      if (++calls === 4) throw new Error('model failed');
      return model(x, t, c);
    };
    await expect(sample({ sampler, model: failing, shape: SHAPE, rng: createRng(1) })).rejects.toThrow('model failed');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('gives the same samples when its instance is reused, and starts afresh at the first index', async () => {
    const model = oracle();
    const sampler = dpmSolverPlusPlusSampler.create(diffusion, { steps: 'trailing6' });
    const run = async () => values((await sample({ sampler, model, shape: SHAPE, rng: createRng(2) })).sample);
    const first = await run();
    // Leave history behind by stepping by hand, then sample again: the first index resets it.
    const x = tf.randomNormal<tf.Rank.R4>([...SHAPE], 0, 1, 'float32', 6);
    const t = sampler.timesteps[0]!;
    const modelOutput = model(x, tf.fill([SHAPE[0]], sampler.diffusion.schedule.timestepMap[t]!, 'int32') as tf.Tensor1D, undefined);
    const stepped = sampler.step({ modelOutput, t, xt: x, rng: createRng(1) });
    const again = sampler.step({ modelOutput, t, xt: x, rng: createRng(1) }); // the first index again: no history used
    expect(maxAbsDiff(await values(stepped.prev), await values(again.prev))).toBe(0);
    expect(() => sampler.step({ modelOutput, t: t - 2, xt: x, rng: createRng(1) })).toThrow(/the index after the previous step's/);
    tf.dispose([stepped.predX0, again.predX0, x, modelOutput]);
    expect(Array.from(await run())).toEqual(Array.from(first));
    model.dispose();
  });
});

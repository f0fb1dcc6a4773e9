import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DenoiseFn } from '../contracts/denoiser';
import { GaussianDiffusion } from '../diffusion/gaussian-diffusion';
import { createRng } from '../rng';
import { linearSchedule } from '../schedules/linear';
import { gaussianOracle } from '../testing/gaussian-oracle';
import { classifierFreeGuidance } from './classifier-free-guidance';
import { ddimSampler } from './ddim';
import { ddpmSampler } from './ddpm';
import { sample, truncationLevels } from './sample-loop';
import { createSamplerRegistry } from './sampler-registry';

const schedule = linearSchedule.create(1000);
const diffusion = new GaussianDiffusion({ schedule });
const SHAPE = [2, 8, 8, 3] as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function run(options: Partial<Parameters<typeof sample>[0]> & { seed?: number } = {}): Promise<Float32Array> {
  const ownModel = options.model === undefined ? gaussianOracle({ schedule, mean: 0.2, std: 0.4, output: 'eps' }) : undefined;
  const model = options.model ?? ownModel!;
  const { sample: x } = await sample({
    sampler: options.sampler ?? ddpmSampler.create(diffusion, { steps: 50 }),
    model,
    shape: SHAPE,
    rng: createRng(options.seed ?? 1),
    ...options,
  }).finally(() => ownModel?.dispose());
  const values = (await x.data()) as Float32Array;
  x.dispose();
  return values;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

describe('seeded, reproducible sampling', () => {
  it('gives identical samples for the same seed and different ones for another seed', async () => {
    const a = await run({ seed: 5 });
    const b = await run({ seed: 5 });
    const c = await run({ seed: 6 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0.1);
  });

  it('gives the same samples on the cpu and wasm backends (noise is drawn in JS; 1e-5)', async () => {
    const onCpu = await run({ seed: 8 });
    await tf.setBackend('wasm');
    try {
      const onWasm = await run({ seed: 8 });
      expect(maxAbsDiff(onCpu, onWasm)).toBeLessThan(1e-5);
    } finally {
      await tf.setBackend('cpu');
    }
  });

  it('sampling over a respacing that keeps every step equals unrespaced sampling exactly', async () => {
    const small = new GaussianDiffusion({ schedule: linearSchedule.create(100) });
    const model = gaussianOracle({ schedule: small.schedule, mean: 0.2, std: 0.4, output: 'eps' });
    for (const factory of [ddpmSampler, ddimSampler]) {
      const full = await run({ model, sampler: factory.create(small, { eta: 0.5 }) });
      const respaced = await run({ model, sampler: factory.create(small, { steps: 100, eta: 0.5 }) });
      expect(Array.from(respaced)).toEqual(Array.from(full));
    }
  });
});

describe('guidance', () => {
  it('classifier-free guidance with scale 1 is the conditional model, without calling it twice', async () => {
    let calls = 0;
    const oracle = gaussianOracle({ schedule, mean: 0.2, std: 0.4, output: 'eps' });
    const counting: DenoiseFn = (x, t, c) => {
      calls++;
      return oracle(x, t, c);
    };
    const plain = await run({ model: counting });
    const callsPlain = calls;
    calls = 0;
    const guided = await run({ model: counting, classifierFree: { scale: 1, unconditional: {} } });
    expect(Array.from(guided)).toEqual(Array.from(plain));
    expect(calls).toBe(callsPlain);
  });

  it('combines conditional and unconditional outputs as u + w(c − u), keeping the conditional variance', async () => {
    const c = tf.tensor4d([1, 2, 10, 20], [1, 1, 2, 2]);
    const u = tf.tensor4d([0, 1, 30, 40], [1, 1, 2, 2]);
    const guided = classifierFreeGuidance(c, u, 3, 1);
    // prediction channel: 0 + 3(1 − 0) = 3 and 30 + 3(10 − 30) = −30; variance channel from c.
    expect(Array.from(await guided.data())).toEqual([3, 2, -30, 20]);
    tf.dispose([c, u, guided]);
  });

  it('steers toward the conditional mean as w grows (two Gaussian oracles)', async () => {
    // cond: N(0.5, 0.1²), uncond: N(−0.5, 0.1²); with w = 2 the DDIM mean lands beyond 0.5.
    const cond = gaussianOracle({ schedule, mean: 0.5, std: 0.1, output: 'eps' });
    const uncond = gaussianOracle({ schedule, mean: -0.5, std: 0.1, output: 'eps' });
    const model: DenoiseFn = (x, t, condition) => (condition?.classLabels === undefined ? uncond(x, t, condition) : cond(x, t, condition));
    const labels = tf.tensor1d([0, 0], 'int32');
    const sampler = ddimSampler.create(diffusion, { steps: 'ddim50' });
    const mean = async (scale: number) => {
      const values = await run({ model, sampler, condition: { classLabels: labels }, classifierFree: { scale, unconditional: {} } });
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    const [m0, m1, m2] = [await mean(0), await mean(1), await mean(2)];
    expect(m0).toBeCloseTo(-0.5, 1);
    expect(m1).toBeCloseTo(0.5, 1);
    expect(m2).toBeGreaterThan(0.6);
    labels.dispose();
  });

  it('classifier guidance shifts the DDPM mean by Σ·s·g and DDIM through the score form', async () => {
    const xt = tf.fill([1, 1, 1, 1], 0.3) as tf.Tensor4D;
    const eps = tf.fill([1, 1, 1, 1], 0.2) as tf.Tensor4D;
    const g = tf.fill([1, 1, 1, 1], 0.5) as tf.Tensor4D;
    const t = 500;
    const c = diffusion.coefficients;
    // DDPM at t: mean + β̃_t·g (noise identical thanks to the same seed).
    const ddpm = ddpmSampler.create(diffusion);
    const plain = ddpm.step({ modelOutput: eps, t, xt, rng: createRng(1) });
    const shifted = ddpm.step({ modelOutput: eps, t, xt, rng: createRng(1), classifierGradient: g });
    const delta = (await shifted.prev.data())[0]! - (await plain.prev.data())[0]!;
    expect(delta).toBeCloseTo(c.posteriorVariance[t]! * 0.5, 6);
    // DDIM (η = 0): ε' = ε − √(1−ᾱ) g; x_{t−1} = √ᾱ_{t−1} x̂_0(ε') + √(1−ᾱ_{t−1}) ε' (float64 reference).
    const ddim = ddimSampler.create(diffusion, { clipDenoised: false });
    const out = ddim.step({ modelOutput: eps, t, xt, rng: createRng(1), classifierGradient: g });
    const a = c.alphasCumprod[t]!;
    const ap = c.alphasCumprodPrev[t]!;
    const epsShifted = 0.2 - Math.sqrt(1 - a) * 0.5;
    const x0 = (0.3 - Math.sqrt(1 - a) * epsShifted) / Math.sqrt(a);
    expect((await out.prev.data())[0]).toBeCloseTo(Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * epsShifted, 5);
    expect((await out.predX0.data())[0]).toBeCloseTo(x0, 5);
    tf.dispose([xt, eps, g, plain, shifted, out]);
  });

  it('the loop passes the classifier gradient, scaled, to every step', async () => {
    const seen: number[] = [];
    const classifier = {
      scale: 3,
      gradient: (x: tf.Tensor4D, t: tf.Tensor1D) => {
        seen.push(t.dataSync()[0]!);
        return tf.onesLike(x);
      },
    };
    const withGuidance = await run({ classifier, sampler: ddimSampler.create(diffusion, { steps: 'ddim10' }) });
    const without = await run({ sampler: ddimSampler.create(diffusion, { steps: 'ddim10' }) });
    expect(seen).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
    expect(maxAbsDiff(withGuidance, without)).toBeGreaterThan(0.01);
  });
});

describe('truncation', () => {
  it('stops at z_s: the state a full run passes through at level s', async () => {
    const sampler = ddimSampler.create(diffusion, { steps: 'ddim10' });
    expect(truncationLevels(sampler)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1, 0]);
    // Level 301 is the input of the step at timestep 300: a run truncated there and one cut short
    // by hand after the first 6 steps (same noise) agree.
    const oracle = gaussianOracle({ schedule, mean: 0.2, std: 0.4, output: 'eps' });
    const { sample: truncated, level } = await sample({ sampler, model: oracle, shape: SHAPE, rng: createRng(3), truncateAt: 301 });
    expect(level).toBe(301);
    const rng = createRng(3);
    let x = tf.tensor4d(rng.normalArray(SHAPE.reduce((a, b) => a * b, 1)), [...SHAPE]);
    for (const t of sampler.timesteps.slice(0, 6)) {
      const modelOutput = oracle(x, tf.fill([2], sampler.diffusion.schedule.timestepMap[t]!, 'int32') as tf.Tensor1D, undefined);
      const { prev, predX0 } = sampler.step({ modelOutput, t, xt: x, rng });
      tf.dispose([x, modelOutput, predX0]);
      x = prev;
    }
    expect(maxAbsDiff(await truncated.data(), await x.data())).toBeLessThan(1e-6);
    tf.dispose([truncated, x]);
  });

  it('reports each state and its level, so one DDPM run records the hand-over of every truncation level', async () => {
    const sampler = ddpmSampler.create(diffusion, { steps: 10 });
    const oracle = gaussianOracle({ schedule, mean: 0.2, std: 0.4, output: 'eps' });
    const recorded = new Map<number, Float32Array>();
    const { sample: full } = await sample({
      sampler, model: oracle, shape: SHAPE, rng: createRng(4),
      onProgress: ({ state, level }) => recorded.set(level, state.dataSync() as Float32Array),
    });
    expect([...recorded.keys()]).toEqual(truncationLevels(sampler).slice(1));
    expect(Array.from(recorded.get(0)!)).toEqual(Array.from(await full.data()));
    // Stochastic steps draw their noise in the same order whether or not the run stops early.
    const levels = truncationLevels(sampler);
    for (const level of [levels[1]!, levels[6]!, levels[9]!]) {
      const { sample: truncated } = await sample({ sampler, model: oracle, shape: SHAPE, rng: createRng(4), truncateAt: level });
      expect(maxAbsDiff(await truncated.data(), recorded.get(level)!)).toBe(0);
      truncated.dispose();
    }
    expect(maxAbsDiff(recorded.get(levels[6]!)!, recorded.get(0)!)).toBeGreaterThan(0.1);
    full.dispose();
    oracle.dispose();
  });

  it('explains which levels are possible when s is not one of them', async () => {
    const sampler = ddimSampler.create(diffusion, { steps: 'ddim10' });
    await expect(run({ sampler, truncateAt: 250 })).rejects.toThrow(/truncateAt: expected a level this sampler passes through \(nearest: 101, 201, 301\)/);
  });
});

describe('robustness', () => {
  it('reports NaN model output with the step and timestep, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const broken: DenoiseFn = (x, t) => tf.tidy(() => (t.dataSync()[0]! < 500 ? tf.fill(x.shape, Number.NaN) : tf.zerosLike(x)) as tf.Tensor4D);
    const sampler = ddimSampler.create(diffusion, { steps: 'ddim10' });
    await expect(run({ sampler, model: broken })).rejects.toThrow(/The model output contains NaN or Infinity at step 6 of 10 \(timestep 400\)/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops when aborted, with a coded error and no leaked tensors', async () => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const promise = run({
      sampler: ddpmSampler.create(diffusion, { steps: 200 }),
      signal: controller.signal,
      onProgress: ({ step }) => {
        if (step === 3) controller.abort();
      },
    });
    await expect(promise).rejects.toThrow(expect.objectContaining({ code: 'CDM_ABORTED' }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports progress once per step with a preview of x̂_0', async () => {
    const events: { step: number; totalSteps: number; timestep: number; shape: number[] }[] = [];
    await run({
      sampler: ddimSampler.create(diffusion, { steps: 'ddim10' }),
      onProgress: ({ step, totalSteps, timestep, predX0 }) => events.push({ step, totalSteps, timestep, shape: predX0.shape }),
    });
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events[0]).toEqual({ step: 1, totalSteps: 10, timestep: 900, shape: [...SHAPE] });
  });

  it('leaks no tensors across repeated sampling calls', async () => {
    const model = gaussianOracle({ schedule, mean: 0.2, std: 0.4, output: 'eps' });
    await run({ model });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await run({ model, classifierFree: { scale: 2, unconditional: {} } });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('rejects bad shapes, options and names with coded errors', async () => {
    await expect(run({ shape: [2, 8, 8] as never })).rejects.toThrow(/Invalid shape/);
    expect(() => ddimSampler.create(diffusion, { eta: -1 })).toThrow(/Invalid eta/);
    expect(() => ddimSampler.create(diffusion, { eta: 1.2 })).toThrow(/eta: expected a number in \[0, 1\]/);
    expect(() => ddpmSampler.create(diffusion, { steps: 'ddim999' })).toThrow(/integer stride/);
    expect(() => createSamplerRegistry().get('euler')).toThrow(/Unknown sampler "euler"; registered: ddpm, ddim/);
    const initial = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    await expect(run({ initial })).rejects.toThrow(/initial has shape \[1, 8, 8, 3\]/);
    initial.dispose();
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Rng } from '../rng';
import { ddimSampler } from '../samplers/ddim';
import { ddpmSampler } from '../samplers/ddpm';
import { dpmSolverPlusPlusSampler, sdeDpmSolverPlusPlusSampler } from '../samplers/dpm-solver-plus-plus';
import type { Sampler, SamplerFactory, SamplerStepInput } from '../samplers/sampler';
import {
  checkSamplerCreate,
  checkSamplerDeterminism,
  checkSamplerGaussianStatistics,
  checkSamplerSinglePoint,
  checkSamplerStepOutputs,
  checkSamplerStepTensorLeaks,
} from './sampler-checks';
import { describeSamplerConformance } from './sampler-conformance';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeSamplerConformance(ddpmSampler, { stochastic: true });
describeSamplerConformance(ddimSampler, { stochastic: false });
describeSamplerConformance(ddimSampler, { options: { eta: 1 }, stochastic: true });
describeSamplerConformance(dpmSolverPlusPlusSampler, { stochastic: false });
describeSamplerConformance(sdeDpmSolverPlusPlusSampler, { stochastic: true });

/** A factory whose samplers are DDIM's with some part replaced. */
function brokenDdim(name: string, change: (sampler: Sampler) => Partial<Sampler>): SamplerFactory {
  return {
    name,
    create(diffusion, options) {
      const sampler = ddimSampler.create(diffusion, options);
      return { ...sampler, name, ...change(sampler) };
    },
  };
}

/** Standard normals from Math.random (Box–Muller): noise that no seed reproduces. */
function unseededNormals(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random()));
}

describe('the sampler checks', () => {
  let before = 0;
  beforeAll(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors, 'a check left tensors behind').toBe(before);
  });

  it('catch a sampler that ignores the model (returns x_t)', async () => {
    const ignoring = brokenDdim('ignores-model', () => ({
      step: ({ xt }: SamplerStepInput) => ({ prev: tf.clone(xt), predX0: tf.clone(xt) }),
    }));
    await expect(checkSamplerSinglePoint(ignoring)).rejects.toThrow(
      /sampler "ignores-model" \(steps "ddim10", oracle eps\): sample\(\) ended [\d.]+ away from the single data point x\*/,
    );
  });

  it('catch a sampler whose timesteps ascend', () => {
    const ascending = brokenDdim('ascending', (sampler) => ({ timesteps: [...sampler.timesteps].reverse() }));
    expect(() => checkSamplerCreate(ascending)).toThrow(/sampler\.timesteps must be strictly descending, but 0 is followed by 1 \(timesteps start at 0\)/);
  });

  it('catch a sampler that leaks a tensor per step', async () => {
    const kept: tf.Tensor[] = [];
    const leaky = brokenDdim('leaky', (sampler) => ({
      step(input: SamplerStepInput) {
        kept.push(tf.scalar(input.t)); // never disposed
        return sampler.step(input);
      },
    }));
    await expect(checkSamplerStepTensorLeaks(leaky)).rejects.toThrow(
      /sampler "leaky" .* left 10 tensor\(s\) alive over a run of 10 steps, every output disposed \(tensors held after each step: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\)/,
    );
    tf.dispose(kept);
  });

  it('catch a sampler that draws its noise with Math.random', async () => {
    const unseeded: SamplerFactory = {
      name: 'unseeded',
      create(diffusion, options) {
        const sampler = ddpmSampler.create(diffusion, options);
        const rng = { normalArray: unseededNormals } as Partial<Rng> as Rng;
        return { ...sampler, name: 'unseeded', step: (input: SamplerStepInput) => sampler.step({ ...input, rng }) };
      },
    };
    await expect(checkSamplerDeterminism(unseeded)).rejects.toThrow(/two runs with the same rng seed gave different samples/);
  });

  it('catch a sampler that returns its input as prev', async () => {
    const aliasing = brokenDdim('aliasing', (sampler) => ({
      step(input: SamplerStepInput) {
        const { prev, predX0 } = sampler.step(input);
        prev.dispose();
        return { prev: input.xt, predX0 };
      },
    }));
    await expect(checkSamplerStepOutputs(aliasing)).rejects.toThrow(/step\(\) at t = 9 returned one of its inputs as prev/);
  });

  it('catch a sampler that collapses onto its first x_0 estimate (right for one point, wrong for a distribution)', async () => {
    const collapsing = brokenDdim('collapsing', (sampler) => ({
      step(input: SamplerStepInput) {
        const { prev, predX0 } = sampler.step(input);
        prev.dispose();
        return { prev: tf.clone(predX0), predX0 };
      },
    }));
    await expect(checkSamplerSinglePoint(collapsing)).resolves.toBeUndefined();
    await expect(checkSamplerGaussianStatistics(collapsing)).rejects.toThrow(/the samples' standard deviation is 0\.0\d+, expected 0\.5 ± 15 %/);
  });

  it('check the declared stochasticity, and report whether the rng was used', async () => {
    await expect(checkSamplerDeterminism(ddpmSampler)).resolves.toEqual({ usesRng: true });
    await expect(checkSamplerDeterminism(ddimSampler)).resolves.toEqual({ usesRng: false });
    await expect(checkSamplerDeterminism(ddpmSampler, { stochastic: false })).rejects.toThrow(
      /sampler "ddpm" \(steps "ddim10", oracle eps\): declared deterministic, but two runs from the same x_T with different rng seeds differ/,
    );
    await expect(checkSamplerDeterminism(ddimSampler, { stochastic: true })).rejects.toThrow(/declared stochastic, but runs from the same x_T/);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { readFileSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GaussianDiffusion, createNoiseSchedule, createRng, ddimSampler, sample } from '@cdm/core';
import { gaussianOracle } from '@cdm/core/testing';
import { main as customAugmentation } from '../examples/custom-augmentation';
import { eulerSampler, main as customSampler } from '../examples/custom-sampler';
import { main as customSchedule, sqrtSchedule } from '../examples/custom-schedule';
import { main as safetensors } from '../examples/safetensors';
import { main as sampleGaussian } from '../examples/sample-gaussian';
import { main as selectBackend } from '../examples/select-backend';
import { main as trainingLoss } from '../examples/training-loss';

/**
 * The README's examples are the files in ../examples. This suite runs each one on the cpu backend
 * and checks its result, runs the conformance suites the README recommends on the example plugins,
 * and checks that the README shows every file verbatim together with what it prints.
 */

const examplesDir = new URL('../examples/', import.meta.url);
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's `<!-- <kind>: name -->` … `<!-- /<kind> -->` blocks by name, fences removed. */
function readmeBlocks(kind: 'example' | 'output', language: string): Map<string, string> {
  const pattern = new RegExp(`<!-- ${kind}: ([\\w-]+) -->\n\`\`\`${language}\n([\\s\\S]*?)\`\`\`\n<!-- /${kind} -->`, 'g');
  return new Map(Array.from(readme.matchAll(pattern), (match) => [match[1]!, match[2]!] as const));
}
const readmeOutputs = readmeBlocks('output', 'text');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('README examples run and give the documented results', () => {
  let printed: string[] = [];
  let tensorsBefore = 0;
  beforeEach(() => {
    printed = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
    tensorsBefore = tf.memory().numTensors;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  /** What the example printed is what the README says it prints. */
  const expectReadmeOutput = (name: string) => {
    expect(readmeOutputs.has(name), `README.md has no <!-- output: ${name} --> block`).toBe(true);
    expect(printed.join('\n') + '\n').toBe(readmeOutputs.get(name));
  };
  /** Every example cleans up after itself. */
  const expectNoLeaks = () => {
    expect(tf.memory().numTensors - tensorsBefore, 'tensors left behind by the example').toBe(0);
  };

  it('sample-gaussian: 50 DDIM steps reproduce N(0.3, 0.5²) up to the known DDIM-50 under-dispersion', async () => {
    const { mean, std } = await sampleGaussian();
    expectReadmeOutput('sample-gaussian');
    // 6 144 values: 5 standard errors of the mean is 5·0.5/√6144 ≈ 0.032. Deterministic DDIM with 50
    // steps on the cosine schedule keeps the mean but loses 5.9 % of σ² (the float64 propagation in
    // samplers/analytic.test.ts), so the std to expect is 0.5·√0.941 ≈ 0.485, ±5 standard errors (≈ 0.022).
    expect(Math.abs(mean - 0.3)).toBeLessThan(0.032);
    expect(Math.abs(std - 0.485)).toBeLessThan(0.022);
    expectNoLeaks();
  });

  it('training-loss: the gradient it prints is the derivative of the loss (central difference)', async () => {
    const { timesteps, loss, gradient } = await trainingLoss(0.5);
    expectReadmeOutput('training-loss');
    expect(timesteps).toHaveLength(4);
    for (const t of timesteps) expect(Number.isInteger(t) && t >= 0 && t < 1000).toBe(true);
    expect(loss).toBeGreaterThan(0);
    // The run is seeded, so only the scale changes between calls; the loss is quadratic in it and a
    // central difference is exact up to float32 rounding.
    const h = 0.01;
    const above = await trainingLoss(0.5 + h);
    const below = await trainingLoss(0.5 - h);
    expect(above.timesteps).toEqual(timesteps);
    expect(Math.abs((above.loss - below.loss) / (2 * h) - gradient)).toBeLessThan(1e-3 * Math.max(1, Math.abs(gradient)));
    expectNoLeaks();
  });

  it('custom-schedule: the registered "sqrt" schedule has ᾱ_t = ᾱ(t/T)/ᾱ(0) in float64, and β capped at 0.999', async () => {
    const { names, probes } = await customSchedule();
    expectReadmeOutput('custom-schedule');
    expect(names).toEqual(['linear', 'cosine', 'sqrt']);
    const alphaBar = (tau: number) => 1 - Math.sqrt(tau + 0.0001);
    for (const { t, alphaBar: got } of probes.slice(0, -1)) {
      expect(Math.abs(got / (alphaBar(t / 1000) / alphaBar(0)) - 1)).toBeLessThan(1e-12);
    }
    // ᾱ(1) < 0, so the last β is capped: ᾱ_T = 0.001·ᾱ_{T−1}.
    const schedule = sqrtSchedule.create(1000);
    expect(schedule.betas[999]).toBe(0.999);
    expect(probes.at(-1)!.alphaBar).toBe(schedule.alphasCumprod[999]);
    expect(Math.abs(schedule.alphasCumprod[999]! / (0.001 * schedule.alphasCumprod[998]!) - 1)).toBeLessThan(1e-12);
    expectNoLeaks();
  });

  it('custom-sampler: 25 Euler steps return the single data point to 1e-4', async () => {
    const { maxError } = await customSampler();
    expectReadmeOutput('custom-sampler');
    expect(maxError).toBeLessThan(1e-4);
    expectNoLeaks();
  });

  it('custom-sampler: Euler in (x̄, σ) is DDIM with η = 0 (Song et al. 2021, §4.3), with and without clipping', async () => {
    const schedule = createNoiseSchedule('cosine', 1000);
    const diffusion = new GaussianDiffusion({ schedule });
    const model = gaussianOracle({ schedule, mean: 0.3, std: 0.5, output: 'eps' });
    const run = async (sampler: ReturnType<typeof ddimSampler.create>) => {
      const { sample: x } = await sample({ sampler, model, shape: [2, 8, 8, 3], rng: createRng(5) });
      const values = Array.from(await x.data());
      x.dispose();
      return values;
    };
    for (const clipDenoised of [false, true]) {
      const euler = await run(eulerSampler.create(diffusion, { steps: 'ddim50', clipDenoised }));
      const ddim = await run(ddimSampler.create(diffusion, { steps: 'ddim50', clipDenoised, eta: 0 }));
      const worst = euler.reduce((max, v, i) => Math.max(max, Math.abs(v - ddim[i]!)), 0);
      expect(worst).toBeLessThan(1e-4);
    }
    model.dispose();
  });

  it('safetensors: the weights round-trip bit for bit through the PyTorch layout', async () => {
    const result = await safetensors();
    expectReadmeOutput('safetensors');
    expect(result.maxDifference).toBe(0);
    expect(result.names).toEqual(['conv.bias', 'conv.weight', 'step']); // file order: sorted by name
    expect(result.metadata).toEqual({ format: 'pt' });
    // 8-byte length, the JSON header, then 288 F32 + 8 F16 + 1 I64 values.
    expect(result.bytes).toBeGreaterThan(8 + 288 * 4 + 8 * 2 + 8);
    expectNoLeaks();
  });

  it("select-backend: 'auto' passes over the unsupported GPU plugin and initialises cpu", async () => {
    const result = await selectBackend();
    expectReadmeOutput('select-backend');
    expect(result.selected).toBe('tfjs-cpu');
    expect(result.tfjsBackend).toBe('cpu');
    expect(result.tried).toEqual([{ name: 'webgpu', reason: 'navigator.gpu is missing' }]);
    expectNoLeaks();
  });

  it('custom-augmentation: train levels lie in 0…250, and noise at level 100 has std √(1 − ᾱ₁₀₀)', async () => {
    const { trainLevels, sampleStd } = await customAugmentation();
    expectReadmeOutput('custom-augmentation');
    expect(trainLevels).toHaveLength(4);
    for (const s of trainLevels) expect(Number.isInteger(s) && s >= 0 && s <= 250).toBe(true);
    const expected = Math.sqrt(1 - createNoiseSchedule('cosine', 1000).alphasCumprod[99]!);
    // 3 072 values: the sample std is within 5·σ/√(2·3072) ≈ 6.4 % of σ.
    expect(Math.abs(sampleStd / expected - 1)).toBeLessThan(0.064);
    expectNoLeaks();
  });
});

// The README's conformance-suite block (run on the examples' plugins) runs in readme-blocks.test.ts.

describe('README.md', () => {
  const exampleFiles = readdirSync(examplesDir).filter((name) => name.endsWith('.ts'));
  const blocks = readmeBlocks('example', 'ts');
  const names = exampleFiles.map((file) => file.replace(/\.ts$/, '')).sort();

  it('has the examples folder to check', () => {
    expect(exampleFiles.length).toBeGreaterThanOrEqual(6);
  });

  it.each(exampleFiles)('shows examples/%s verbatim between its markers', (file) => {
    const name = file.replace(/\.ts$/, '');
    expect(blocks.has(name), `README.md has no <!-- example: ${name} --> block`).toBe(true);
    expect(blocks.get(name)).toBe(readFileSync(new URL(file, examplesDir), 'utf8'));
  });

  it('has one example block and one output block per file, and no marker that failed to parse', () => {
    expect([...blocks.keys()].sort()).toEqual(names);
    expect([...readmeOutputs.keys()].sort()).toEqual(names);
    for (const kind of ['example', 'output']) {
      expect(readme.split(`<!-- ${kind}:`).length - 1, `<!-- ${kind}: … --> markers`).toBe(names.length);
      expect(readme.split(`<!-- /${kind} -->`).length - 1, `<!-- /${kind} --> markers`).toBe(names.length);
    }
  });
});

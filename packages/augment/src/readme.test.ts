import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAugmentationRegistry, createRng } from '@cdm/core';
import { compose, gaussianBlur, gaussianNoise, registerAugmentations } from './index';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const fenced = (language: string) => Array.from(readme.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g')), (m) => m[1]!);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('README', () => {
  it('"Use": the code it shows prints the levels and the noise level it states', async () => {
    const use = fenced('ts')[0]!;
    expect(use).toContain("gaussianBlur({ sigma: [0.4, 0.6], kernelSize: 3, probability: 0.5 }),");
    expect(use).toContain("gaussianNoise({ maxLevel: 250, schedule: { name: 'cosine', numTimesteps: 1000 } }),");
    expect(use).toContain('// Float32Array [81, 209, 131, 235]');
    expect(use).toContain('std √(1 − ᾱ₁₀₀) = 0.167; this draw measures 0.172');

    const policy = compose(
      gaussianBlur({ sigma: [0.4, 0.6], kernelSize: 3, probability: 0.5 }),
      gaussianNoise({ maxLevel: 250, schedule: { name: 'cosine', numTimesteps: 1000 } }),
    );
    const lowRes = tf.zeros([4, 16, 16, 3]) as tf.Tensor4D;
    const train = policy.train(lowRes, { rng: createRng(1) });
    expect(Array.from(await train.level.data())).toEqual([81, 209, 131, 235]);
    const atLevel = policy.sample(lowRes, { rng: createRng(2) }, { level: 100, handover: 'clean' });
    const variance = tf.tidy(() => tf.moments(atLevel.image).variance);
    const std = Math.sqrt((await variance.data())[0]!);
    expect(std.toFixed(3)).toBe('0.172');
    // √(1 − ᾱ₁₀₀) for the cosine schedule, from its closed form: f(0.1)/f(0), f(u) = cos²((u + 0.008)/1.008 · π/2).
    const f = (u: number) => Math.cos(((u + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(Math.sqrt(1 - f(0.1) / f(0)).toFixed(3)).toBe('0.167');
    // The sample std of 3 072 normals has a standard error of about σ/√(2·3072).
    expect(Math.abs(std - 0.1672)).toBeLessThan((5 * 0.1672) / Math.sqrt(2 * 3072));
    tf.dispose([lowRes, train.image, train.level, atLevel.image, atLevel.level, variance]);
  });

  it('the cascade.json it shows builds the same policy through the registry', () => {
    const config = JSON.parse(fenced('json')[0]!) as { name: string; options: unknown };
    const registry = registerAugmentations(createAugmentationRegistry());
    expect(registry.get(config.name).create(config.options).name).toBe('compose(gaussian-blur, gaussian-noise)');
  });

  it('the error messages it quotes are the ones thrown', () => {
    const quoted = fenced('text')[0]!.trim().split('\n');
    const thrown = [
      () => gaussianBlur({ sigma: -0.1 }),
      () => gaussianBlur({ probability: 1.5 }),
      () => gaussianNoise({ maxLevel: 1001, schedule: { name: 'cosine', numTimesteps: 1000 } }),
      () => gaussianNoise({ maxLevel: 10, schedule: { name: 'cosine', numTimesteps: 1000 }, mode: 'sometimes' as never }),
    ].map((f) => {
      try {
        f();
      } catch (error) {
        return (error as Error).message;
      }
      return 'nothing thrown';
    });
    expect(thrown).toEqual(quoted);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentationPolicies, createAugmentationRegistry, createRng, isCdmError } from '@cdm/core';
import { makeLowRes } from '@cdm/core/testing';
import type { ComposedPolicy } from './compose';
import type { GaussianNoisePolicy } from './gaussian-noise';
import { registerAugmentations } from './register-augmentations';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('registerAugmentations', () => {
  it('registers the four policies by name, and again is a no-op', () => {
    const registry = createAugmentationRegistry();
    expect(registerAugmentations(registry)).toBe(registry);
    expect(registry.list()).toEqual(['gaussian-noise', 'gaussian-blur', 'none', 'compose']);
    expect(() => registerAugmentations(registry)).not.toThrow();
    expect(registry.list()).toHaveLength(4);
  });

  it('builds policies from cascade.json-style options, composition included', async () => {
    const registry = registerAugmentations(createAugmentationRegistry());
    const config = JSON.parse(`{
      "name": "compose",
      "options": { "policies": [
        { "name": "gaussian-blur", "options": { "sigma": [0.4, 0.6], "kernelSize": 3, "probability": 0.5 } },
        { "name": "gaussian-noise", "options": { "maxLevel": 250, "schedule": { "name": "cosine", "numTimesteps": 1000 } } }
      ] }
    }`) as { name: string; options: unknown };
    const policy = registry.get(config.name).create(config.options) as ComposedPolicy;
    expect(policy.name).toBe('compose(gaussian-blur, gaussian-noise)');
    const noise = policy.policies[1] as GaussianNoisePolicy;
    expect([noise.maxLevel, noise.mode, noise.schedule.name, noise.schedule.numTimesteps]).toEqual([250, 'amortized', 'cosine', 1000]);
    const x = makeLowRes(2);
    const result = policy.train(x, { rng: createRng(0) });
    expect(result.image.shape).toEqual([2, 8, 8, 3]);
    tf.dispose([x, result.image, result.level]);
  });

  it('reports unknown names and bad composition options with coded errors', () => {
    const registry = registerAugmentations(createAugmentationRegistry());
    const create = (options: unknown) => () => registry.get('compose').create(options);
    expect(create({ policies: [{ name: 'jpeg' }] })).toThrow(/Unknown augmentation policy "jpeg"; registered: gaussian-noise, gaussian-blur, none, compose/);
    expect(create({ policies: 'gaussian-blur' })).toThrow(/Invalid compose option policies/);
    expect(create({ policies: [{ options: {} }] })).toThrow(/Invalid compose policies\[0\].name/);
    expect(create({ policies: [{ name: 'none', option: {} }] })).toThrow(/compose policies\[0\] option "option"/);
    expect(() => registry.get('none').create({ level: 1 })).toThrow(/Invalid none option "level"/);
    let thrown: unknown;
    try {
      registry.get('gaussian-blur').create({ probability: 2 });
    } catch (error) {
      thrown = error;
    }
    expect(isCdmError(thrown, 'CDM_INVALID_ARGUMENT')).toBe(true);
  });

  it("'@cdm/augment/register' registers them in core's default registry", async () => {
    expect(augmentationPolicies.has('gaussian-noise')).toBe(false);
    await import('@cdm/augment/register');
    expect(augmentationPolicies.list()).toEqual(expect.arrayContaining(['gaussian-noise', 'gaussian-blur', 'none', 'compose']));
  });
});

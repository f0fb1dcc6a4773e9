import { describe, expect, it } from 'vitest';
import { createRegistries, defaultRegistries } from './registries';

describe('createRegistries', () => {
  it('starts with the built-in schedules and samplers and nothing else', () => {
    const registries = createRegistries();
    expect(registries.schedules.list()).toEqual(defaultRegistries.schedules.list());
    expect(registries.samplers.list()).toEqual(['ddpm', 'ddim', 'dpm++2m', 'dpm++2m-sde']);
    expect(registries.augmentationPolicies.list()).toEqual([]);
    expect(registries.denoisers.list()).toEqual([]);
    expect(registries.backends.list()).toEqual([]);
  });

  it('is independent of the defaults and of other sets', () => {
    const a = createRegistries();
    const b = createRegistries();
    a.augmentationPolicies.use({ name: 'only-in-a', create: () => ({ name: 'only-in-a', train: () => { throw new Error('unused'); }, sample: () => { throw new Error('unused'); } }) } as never);
    expect(a.augmentationPolicies.has('only-in-a')).toBe(true);
    expect(b.augmentationPolicies.has('only-in-a')).toBe(false);
    expect(defaultRegistries.augmentationPolicies.has('only-in-a')).toBe(false);
    for (const kind of Object.keys(a) as (keyof typeof a)[]) expect(a[kind]).not.toBe(defaultRegistries[kind]);
  });
});

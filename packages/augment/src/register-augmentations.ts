import { augmentationPolicies, type AugmentationPolicyFactory, type Registry } from '@cdm/core';
import { composeFactory } from './compose';
import { gaussianBlurFactory } from './gaussian-blur';
import { gaussianNoiseFactory } from './gaussian-noise';
import { noneFactory } from './none';

/**
 * Registers `'gaussian-noise'`, `'gaussian-blur'`, `'none'` and `'compose'` in `registry` (core's
 * default `augmentationPolicies` unless given), so a `cascade.json` can name them. Calling it again
 * on the same registry is a no-op. Returns the registry.
 */
export function registerAugmentations(
  registry: Registry<AugmentationPolicyFactory> = augmentationPolicies,
): Registry<AugmentationPolicyFactory> {
  return registry.use(gaussianNoiseFactory, gaussianBlurFactory, noneFactory, composeFactory(registry));
}

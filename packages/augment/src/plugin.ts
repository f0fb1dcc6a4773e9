import type { Registries } from '@cdm/core';
import { registerAugmentations } from './register-augmentations';

/** The plugin entry a config's `plugins: ['@cdm/augment']` calls: registers every policy factory. */
export function register(registries: Registries): void {
  registerAugmentations(registries.augmentationPolicies);
}

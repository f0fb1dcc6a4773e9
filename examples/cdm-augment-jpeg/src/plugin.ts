import type { Registries } from '@cdm/core';
import { jpegCompressionFactory } from './jpeg-compression';

/**
 * The plugin entry point: a `cascade.json` or CLI config that lists this package in
 * `plugins: ['cdm-augment-jpeg']` imports it and calls `register`, after which `'jpeg'` can be
 * named as a stage's augmentation policy.
 */
export function register(registries: Registries): void {
  registries.augmentationPolicies.use(jpegCompressionFactory);
}

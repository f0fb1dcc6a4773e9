import type { Registries } from '@cdm/core';
import { registerUnet } from './factory';

/** The plugin entry a config's `plugins: ['@cdm/unet']` calls: registers the `'adm-unet'` factory. */
export function register(registries: Registries): void {
  registerUnet(registries.denoisers);
}

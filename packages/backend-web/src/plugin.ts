import type { Registries } from '@cdm/core';
import { registerWebBackends } from './backends/register-web-backends';

/** The plugin entry (`CdmPluginModule`) a config's `plugins: ['@cdm/backend-web']` calls: registers webgpu, webgl and wasm. */
export function register(registries: Registries): void {
  registerWebBackends(registries.backends);
}

import { createRegistries, type Registries } from '@cdm/core';
import { register as registerAugment } from '@cdm/augment';
import { registerNodeBackends } from '@cdm/backend-node';
import { register as registerUnet } from '@cdm/unet';

export interface CliRegistriesOptions {
  /** XNNPACK threads of the wasm backend (experimental; default CDM_WASM_THREADS, else 1). */
  readonly wasmThreads?: number;
  /** Whether the backend's init() registers tfjs' gradient functions (default true; `cdm sample` passes false). */
  readonly gradients?: boolean;
}

/**
 * Fresh registries for one run of the CLI (nothing leaks between runs in one process): the
 * built-in schedules and samplers, @cdm/unet's `adm-unet`, @cdm/augment's policies and
 * @cdm/backend-node's backends. Plugins named in a config add to these.
 */
export function cliRegistries(options: CliRegistriesOptions = {}): Registries {
  const registries = createRegistries();
  registerUnet(registries);
  registerAugment(registries);
  registerNodeBackends(registries.backends, {
    ...(options.wasmThreads === undefined ? {} : { wasm: { threads: options.wasmThreads } }),
    ...(options.gradients === undefined ? {} : { gradients: options.gradients }),
  });
  return registries;
}

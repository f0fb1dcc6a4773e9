import { denoisers, errors, type DenoiserFactory, type Registry } from '@cdm/core';
import { UNET_DENOISER_NAME, loadUnet, saveUnet } from './checkpoint';
import { createAdmUnet, isAdmUnet } from './unet';

/**
 * The `'adm-unet'` denoiser factory: `create(config)` validates a `UnetConfig` and builds the
 * network; `load`/`save` read and write checkpoint directories (config.json, model.safetensors,
 * ema.safetensors).
 */
export const admUnet: DenoiserFactory = Object.freeze({
  name: UNET_DENOISER_NAME,
  create: (config: unknown) => createAdmUnet(config as never),
  load: (storage, dir, options) => loadUnet(storage, dir, options),
  async save(storage, dir, denoiser, options) {
    if (!isAdmUnet(denoiser)) throw errors.invalidArgument('denoiser', `a network built by @cdm/unet ("${UNET_DENOISER_NAME}")`, 'another kind of denoiser');
    await saveUnet(storage, dir, denoiser, options);
  },
} satisfies DenoiserFactory);

/** Registers `admUnet` in `registry` (core's default `denoisers` unless given); returns the registry. */
export function registerUnet(registry: Registry<DenoiserFactory> = denoisers): Registry<DenoiserFactory> {
  return registry.use(admUnet);
}

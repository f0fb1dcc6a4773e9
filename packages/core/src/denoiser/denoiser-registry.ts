import type { DenoiserFactory } from '../contracts/denoiser';
import { createRegistry, type Registry } from '../registry';

/** An empty registry of denoiser factories. */
export function createDenoiserRegistry(): Registry<DenoiserFactory> {
  return createRegistry<DenoiserFactory>({
    kind: 'denoiser',
    hint: "Register it first: denoisers.use(factory), or import '@cdm/unet/register' for the ADM U-Net",
  });
}

/** The default registry a `cascade.json` looks networks up in by name; core registers nothing here. */
export const denoisers = createDenoiserRegistry();

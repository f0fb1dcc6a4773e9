import { createRegistries, type Registries } from '@cdm/core';
import * as augment from '@cdm/augment';
import * as unet from '@cdm/unet';

/**
 * The plugin packages a cascade.json may name in `plugins`, bundled into the page. A browser cannot
 * import an arbitrary package name at run time, so the playground maps known names to the modules
 * it already imported; any other name fails with the list of the ones it knows.
 */
export const BUNDLED_PLUGINS: Readonly<Record<string, unknown>> = { '@cdm/augment': augment, '@cdm/unet': unet };

/** `loadCascade`'s `importPlugin`: resolves only the bundled plugin packages. */
export async function importBundledPlugin(specifier: string): Promise<unknown> {
  const module = BUNDLED_PLUGINS[specifier];
  if (module === undefined) {
    throw new Error(`the playground bundles only ${Object.keys(BUNDLED_PLUGINS).join(', ')}; add "${specifier}" to BUNDLED_PLUGINS in apps/playground/src/registries.ts and rebuild`);
  }
  return module;
}

/**
 * Fresh registries with what a cascade needs: core's schedules and samplers, @cdm/unet's
 * denoiser and @cdm/augment's policies. The page adds @cdm/backend-web's backends; the end-to-end
 * test samples the same cascade in Node with these same registries.
 */
export function cascadeRegistries(): Registries {
  const registries = createRegistries();
  unet.register(registries);
  augment.register(registries);
  return registries;
}

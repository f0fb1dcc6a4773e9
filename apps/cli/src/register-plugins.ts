import { CdmError, errors, type CdmPluginModule, type Registries } from '@cdm/core';

/**
 * Imports each plugin module and calls its `register(registries)`, as loadCascade does for a
 * cascade.json; problems name the config file and the `plugins[i]` entry.
 */
export async function registerPlugins(specifiers: readonly string[], registries: Registries, importPlugin: (specifier: string) => Promise<unknown>, source: string): Promise<void> {
  for (const [i, specifier] of specifiers.entries()) {
    let module: unknown;
    try {
      module = await importPlugin(specifier);
    } catch (cause) {
      throw new CdmError(
        'CDM_PLUGIN_FAILED',
        `${source}: plugins[${i}]: cannot import "${specifier}": ${cause instanceof Error ? cause.message : String(cause)}`,
        'Install the package, or give a path relative to the config file (./my-plugin.mjs)',
        { cause },
      );
    }
    const register = (module as Partial<CdmPluginModule> | undefined)?.register;
    if (typeof register !== 'function') throw errors.invalidArgument(`${source}: plugins[${i}] ("${specifier}")`, 'a module that exports register(registries)', 'a module without it');
    try {
      register(registries);
    } catch (cause) {
      throw errors.pluginFailed('plugin', specifier, 'register', cause);
    }
  }
}

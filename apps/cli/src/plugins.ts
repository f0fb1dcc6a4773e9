import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether a `plugins` entry is a path (`./x.mjs`, `../x`, `/abs/x.js`) rather than a package name. */
export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..' || isAbsolute(specifier);
}

/**
 * How `cdm` loads a plugin named in a config's `plugins`:
 * - a path is resolved against the directory of the config that names it and imported by file URL;
 * - a package name is imported as the CLI would (`import(name)`: its own dependencies, e.g.
 *   `@cdm/augment`); failing that, it is resolved from the config's directory and then from the
 *   working directory, so a plugin installed in your project works with a globally installed `cdm`.
 */
export function pluginImporter(configDir: string, cwd: string): (specifier: string) => Promise<unknown> {
  return async (specifier) => {
    if (isPathSpecifier(specifier)) return import(/* @vite-ignore */ pathToFileURL(resolve(configDir, specifier)).href);
    try {
      return await import(/* @vite-ignore */ specifier);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
      for (const base of [configDir, cwd]) {
        let resolved: string;
        try {
          resolved = createRequire(join(base, 'package.json')).resolve(specifier);
        } catch {
          continue;
        }
        return import(/* @vite-ignore */ pathToFileURL(resolved).href);
      }
      throw error;
    }
  };
}

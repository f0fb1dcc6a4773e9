import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliErrors } from './errors';

/** This module's file, in the ESM build, the CJS build and the sources alike. */
function here(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/**
 * Where the bundled demo cascade lives: `demo/cascade.json` in the @cdm/cli package
 * (apps/cli/demo/ in the repository), found relative to this file from `src/` or `dist/`.
 * `CDM_DEMO_DIR` points elsewhere.
 */
export function demoCascadePath(env: Readonly<Record<string, string | undefined>>): string {
  const override = env.CDM_DEMO_DIR;
  if (override !== undefined && override !== '') return resolve(override, 'cascade.json');
  return join(dirname(here()), '..', 'demo', 'cascade.json');
}

/** The demo's cascade.json, or CDM_NOT_FOUND saying it is not trained yet and how to train it. */
export function requireDemoCascade(env: Readonly<Record<string, string | undefined>>): string {
  const path = demoCascadePath(env);
  if (!existsSync(path)) throw cliErrors.demoMissing(path);
  return path;
}

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errors } from '@cdm/core';
import { cliErrors } from './errors';

/** This module's file, in the ESM build, the CJS build and the sources alike. */
function here(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

/** A cascade that ships inside @cdm/cli, sampled with `--demo <name>`. */
export interface BundledDemo {
  readonly name: string;
  /** Its folder inside the demo root (`''`: the root itself). */
  readonly folder: string;
  readonly description: string;
}

/**
 * The bundled demos; the first is what a bare `--demo` means. They live under `demo/` in the
 * package (`apps/cli/demo/` in the repository): shapes at the top, every other one in its own folder.
 */
export const BUNDLED_DEMOS: readonly BundledDemo[] = [
  { name: 'shapes', folder: '', description: 'procedural shapes, 16×16 base → 32×32 super-resolution, 10 classes, colour' },
  { name: 'fashion', folder: 'fashion', description: 'Fashion-MNIST, 14×14 base → 28×28 super-resolution, 10 classes, greyscale' },
];

/** The demo root: `demo/` next to the package's `src/` or `dist/`, or `CDM_DEMO_DIR`. */
function demoRoot(env: Readonly<Record<string, string | undefined>>): string {
  const override = env.CDM_DEMO_DIR;
  if (override !== undefined && override !== '') return resolve(override);
  return join(dirname(here()), '..', 'demo');
}

/** The bundled demo called `name` (undefined or true: the first), or CDM_INVALID_ARGUMENT naming the ones there are. */
export function findDemo(name: string | true | undefined): BundledDemo {
  if (name === undefined || name === true) return BUNDLED_DEMOS[0]!;
  const demo = BUNDLED_DEMOS.find((d) => d.name === name);
  if (demo === undefined) throw errors.invalidArgument('--demo', `the name of a bundled demo (${BUNDLED_DEMOS.map((d) => d.name).join(', ')}) or nothing for ${BUNDLED_DEMOS[0]!.name}`, name);
  return demo;
}

/**
 * Where a bundled demo's cascade.json lives: `demo/cascade.json` for the first demo,
 * `demo/<folder>/cascade.json` for the others. `CDM_DEMO_DIR` replaces `demo/`.
 */
export function demoCascadePath(env: Readonly<Record<string, string | undefined>>, name?: string | true): string {
  return join(demoRoot(env), findDemo(name).folder, 'cascade.json');
}

/** The demo's cascade.json, or CDM_NOT_FOUND saying it is not trained yet and how to train it. */
export function requireDemoCascade(env: Readonly<Record<string, string | undefined>>, name?: string | true): string {
  const path = demoCascadePath(env, name);
  if (!existsSync(path)) throw cliErrors.demoMissing(path, findDemo(name).name);
  return path;
}

/** Whether a `--demo [name]` flag was given (true for a bare `--demo`, the name otherwise). */
export function wantsDemo(demo: string | boolean | undefined): demo is string | true {
  return demo !== undefined && demo !== false;
}

/**
 * The cascade.json a command works on: the positional path, or `--demo [name]`; exactly one of
 * them. Returns an absolute path.
 */
export function cascadeArgument(ctx: { readonly cwd: string; readonly env: Readonly<Record<string, string | undefined>> }, cascadeArg: string | undefined, demo: string | boolean | undefined): string {
  if (wantsDemo(demo)) {
    if (cascadeArg !== undefined) throw errors.invalidArgument('cascade', 'either a cascade.json or --demo, not both', cascadeArg);
    return requireDemoCascade(ctx.env, demo);
  }
  if (cascadeArg === undefined) throw errors.invalidArgument('cascade', 'a cascade.json path (or --demo for the bundled demo)', undefined);
  return resolve(ctx.cwd, cascadeArg);
}

/** The `--demo [name]` flag's help text, the same in every command that takes it. */
export const DEMO_FLAG_HELP = `a cascade bundled with @cdm/cli: ${BUNDLED_DEMOS.map((d) => d.name).join(' (the default) or ')}`;

import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles a TypeScript snippet (which may import this package's sources) into an .mjs file that a
 * test runs in a plain Node child process: for kills at random moments, or for worker threads that
 * must not live inside vitest's workers. The file is written inside the package so that the child
 * resolves tfjs from the workspace's node_modules; `@cdm/core` resolves to its sources. Returns the
 * path of the bundle.
 */
export async function bundleChildScript(name: string, contents: string, resolveDir: string): Promise<string> {
  const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
  await mkdir(cache, { recursive: true });
  const outfile = join(await mkdtemp(join(cache, `${name}-`)), `${name}.mjs`);
  await build({
    stdin: { contents, resolveDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    alias: { '@cdm/core': fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url)) },
    external: ['@tensorflow/*'],
    logLevel: 'silent',
  });
  return outfile;
}

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Every workspace package's entry points, resolved to their sources so tests run without a build:
 * export "." → src/index.ts, "./name" → src/name.ts or src/name/index.ts.
 */
function workspaceAliases() {
  const aliases: { find: RegExp; replacement: string }[] = [];
  for (const group of ['packages', 'apps', 'examples']) {
    if (!existsSync(`${root}${group}`)) continue;
    for (const dir of readdirSync(`${root}${group}`)) {
      const base = `${root}${group}/${dir}`;
      if (!existsSync(`${base}/package.json`)) continue;
      const pkg = JSON.parse(readFileSync(`${base}/package.json`, 'utf8')) as { name: string; exports?: Record<string, unknown> };
      for (const subpath of Object.keys(pkg.exports ?? { '.': null })) {
        if (subpath === './package.json') continue;
        const name = subpath === '.' ? 'index' : subpath.slice(2);
        const file = [`${base}/src/${name}.ts`, `${base}/src/${name}/index.ts`].find((f) => existsSync(f));
        if (file === undefined) continue;
        const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${name}`;
        aliases.push({ find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`), replacement: file });
      }
    }
  }
  return aliases;
}

export default defineConfig({
  resolve: { alias: workspaceAliases() },
  test: {
    include: ['{packages,apps,examples}/*/src/**/*.test.ts'],
    // Prepared datasets that tests make go to a scratch cache, never the user's ~/.cache/cdm.
    env: { CDM_CACHE_DIR: mkdtempSync(join(tmpdir(), 'cdm-test-cache-')) },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: {
      enabled: true,
      include: ['{packages,apps,examples}/*/src/**/*.test-d.ts'],
      tsconfig: './tsconfig.test.json',
    },
  },
});

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Alias {
  readonly find: RegExp;
  readonly replacement: string;
}

/**
 * Every workspace package's entry points resolved to their TypeScript sources (export "." →
 * src/index.ts, "./name" → src/name.ts or src/name/index.ts), the same mapping the root vitest
 * config uses: the playground builds and hot-reloads against the packages' sources, no `dist` needed.
 */
export function workspaceAliases(repoRoot: string): Alias[] {
  const aliases: Alias[] = [];
  for (const group of ['packages', 'apps', 'examples']) {
    const groupDir = join(repoRoot, group);
    if (!existsSync(groupDir)) continue;
    for (const dir of readdirSync(groupDir)) {
      const base = join(groupDir, dir);
      if (!existsSync(join(base, 'package.json'))) continue;
      const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
      for (const subpath of Object.keys(pkg.exports ?? { '.': null })) {
        if (subpath === './package.json') continue;
        const name = subpath === '.' ? 'index' : subpath.slice(2);
        const file = [join(base, 'src', `${name}.ts`), join(base, 'src', name, 'index.ts')].find((f) => existsSync(f));
        if (file === undefined) continue;
        const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${name}`;
        aliases.push({ find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`), replacement: file });
      }
    }
  }
  return aliases;
}

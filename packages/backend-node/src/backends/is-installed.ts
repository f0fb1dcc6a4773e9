import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Whether `packageName` can be resolved, from this package or from the working directory, without
 * loading it (resolving reads package.json files only).
 */
export function isInstalled(packageName: string): boolean {
  const bases = [join(process.cwd(), 'package.json')];
  try {
    // `import.meta.url` is this file in the ESM build; the CJS build falls back to the cwd.
    if (typeof import.meta.url === 'string' && import.meta.url !== '') bases.unshift(import.meta.url);
  } catch {
    /* no import.meta here */
  }
  for (const base of bases) {
    try {
      createRequire(base).resolve(packageName);
      return true;
    } catch {
      /* not resolvable from here */
    }
  }
  return false;
}

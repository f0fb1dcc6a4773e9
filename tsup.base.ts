import { defineConfig, type Options } from 'tsup';

/**
 * The one build config every package shares: ESM + CJS + declarations, with each package's
 * own `tsup.config.ts` naming only its entry points.
 */
export function packageConfig(entry: Record<string, string>, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    splitting: true,
    ...overrides,
  });
}

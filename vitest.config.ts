import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Workspace packages resolve to their sources, so tests run without a build.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@cdm\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@cdm\/core$/, replacement: src('./packages/core/src/index.ts') },
    ],
  },
  test: {
    include: ['{packages,apps,examples}/*/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: {
      enabled: true,
      include: ['{packages,apps,examples}/*/src/**/*.test-d.ts'],
      tsconfig: './tsconfig.test.json',
    },
  },
});

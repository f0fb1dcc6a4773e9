import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { staticFiles } from './src/build/static-files-plugin';
import { workspaceAliases } from './src/build/workspace-aliases';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  // Relative asset URLs: the built site works from any folder of any static server.
  base: './',
  resolve: { alias: workspaceAliases(repoRoot) },
  plugins: [
    // The CLI's demo cascade, served as-is (not copied into this app) under demo/.
    staticFiles({ root: fileURLToPath(new URL('../cli/demo', import.meta.url)), include: ['cascade.json', 'stages/**'], mount: 'demo/' }),
  ],
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});

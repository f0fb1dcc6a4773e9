import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { precacheManifest } from './src/build/precache-manifest-plugin';
import { demoFileGlobs } from './src/demos';
import { staticFiles } from './src/build/static-files-plugin';
import { workspaceAliases } from './src/build/workspace-aliases';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  // Relative asset URLs: the built site works from any folder of any static server.
  base: './',
  resolve: { alias: workspaceAliases(repoRoot) },
  plugins: [
    // The CLI's demo cascades, served as-is (not copied into this app) under demo/.
    staticFiles({ root: fileURLToPath(new URL('../cli/demo', import.meta.url)), include: demoFileGlobs(), mount: 'demo/' }),
    // Lists every built file (all backends' chunks, every .wasm) for the service worker to precache.
    precacheManifest(),
  ],
  // The sampling worker is an ES module worker: it imports each backend's code lazily, in its own chunk.
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});

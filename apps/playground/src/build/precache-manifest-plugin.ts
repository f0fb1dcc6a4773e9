import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';
import { MODEL_FILE } from '../model-file';

/** Where the list is written, relative to the site; public/sw.js reads it on install. */
export const PRECACHE_MANIFEST = 'precache.json';

/** What public/sw.js precaches: every file of the built site except model files (fetchStorage caches those), the service worker and this list. */
export function precacheList(outDir: string): string[] {
  return readdirSync(outDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(outDir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => path !== 'sw.js' && path !== PRECACHE_MANIFEST && !MODEL_FILE.test(`/${path}`))
    .sort();
}

/**
 * A Vite plugin: after the build has written its files (the page's chunks, the sampling worker's
 * chunks, every backend's lazily imported chunk and every `.wasm`), lists them in `precache.json`
 * so the service worker caches all of them on install — any backend then works offline, not only
 * the one the first visit used.
 */
export function precacheManifest(): Plugin {
  let outDir = '';
  return {
    name: 'cdm-precache-manifest',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      writeFileSync(join(outDir, PRECACHE_MANIFEST), `${JSON.stringify({ files: precacheList(outDir) }, null, 1)}\n`);
    },
  };
}

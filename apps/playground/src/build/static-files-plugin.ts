import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';

export interface StaticFilesOptions {
  /** The directory the files come from (absolute). */
  readonly root: string;
  /** Which files of `root` to publish: a file path (`cascade.json`) or a folder and everything under it (`stages/**`). */
  readonly include: readonly string[];
  /** Where they appear on the site, relative to its base: `demo/` serves `root/cascade.json` as `demo/cascade.json`. */
  readonly mount: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.json': 'application/json',
  '.safetensors': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.md': 'text/markdown; charset=utf-8',
};

/** The `/`-separated paths (relative to `root`) that `include` selects, sorted; missing entries are skipped. */
export function listStaticFiles(root: string, include: readonly string[]): string[] {
  const found = new Set<string>();
  for (const pattern of include) {
    const folder = pattern.endsWith('/**') ? pattern.slice(0, -3) : undefined;
    const path = join(root, folder ?? pattern);
    if (!existsSync(path)) continue;
    if (folder === undefined) {
      if (statSync(path).isFile()) found.add(pattern);
      continue;
    }
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      found.add(relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
    }
  }
  return [...found].sort();
}

function contentType(path: string): string {
  const dot = path.lastIndexOf('.');
  return CONTENT_TYPES[dot < 0 ? '' : path.slice(dot)] ?? 'application/octet-stream';
}

/**
 * A Vite plugin that publishes files from outside the app (e.g. the CLI's demo cascade) without
 * copying them into the repository: the dev server streams them under `mount` (fresh from disk on
 * every request), and `vite build` emits them into the output folder at the same place. Only the files `include`
 * selects are served, so a request cannot reach anything else under `root`.
 */
export function staticFiles(options: StaticFilesOptions): Plugin {
  const mount = options.mount.replace(/^\/+|\/+$/g, '');
  let base = '/';
  const middleware = (request: IncomingMessage, response: ServerResponse, next: () => void) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const prefix = `${base}${mount}/`;
    if (!url.pathname.startsWith(prefix) || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
    const path = decodeURIComponent(url.pathname.slice(prefix.length));
    if (!listStaticFiles(options.root, options.include).includes(path)) return next();
    const file = join(options.root, path);
    response.setHeader('Content-Type', contentType(path));
    response.setHeader('Content-Length', String(statSync(file).size));
    response.setHeader('Cache-Control', 'no-cache');
    if (request.method === 'HEAD') return response.end();
    createReadStream(file).pipe(response);
  };
  return {
    name: 'cdm:static-files',
    configResolved(config) {
      base = config.base.startsWith('/') ? config.base : '/';
    },
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    generateBundle() {
      for (const path of listStaticFiles(options.root, options.include)) {
        this.emitFile({ type: 'asset', fileName: `${mount}/${path}`, source: readFileSync(join(options.root, path)) });
      }
    },
  };
}

import type { Storage } from '@cdm/core';
import { DEFAULT_MODEL_CACHE, fetchStorage, fileStorage, type FetchStorage } from '@cdm/backend-web';
import { findPlaygroundDemo } from './demos';

/** Where a cascade comes from: a bundled demo (by name; none: the first), a cascade.json URL, or a folder the user dropped. */
export type CascadeSource =
  | { readonly kind: 'demo'; readonly name?: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'files'; readonly files: ReadonlyMap<string, Blob>; readonly label: string };

/** A source opened as a storage plus the manifest's path inside it. */
export interface OpenedSource {
  readonly storage: Storage;
  readonly manifestPath: string;
  /** For the status line: "shapes demo", the URL, or the folder's name. */
  readonly label: string;
  /** A file's size without reading it (for the download bar's total), or undefined when that cannot be learned. */
  sizeOf(path: string): Promise<number | undefined>;
}

const contentLength = (response: Response | undefined) => {
  const length = Number(response?.headers.get('content-length') ?? NaN);
  return Number.isFinite(length) && length > 0 ? length : undefined;
};

/** A file's size from fetchStorage's cache (no request), else from a HEAD request; undefined offline or when the server does not say. */
function remoteSize(storage: FetchStorage): (path: string) => Promise<number | undefined> {
  return async (path) => {
    const url = storage.url(path);
    const cache = typeof caches === 'undefined' ? undefined : await caches.open(DEFAULT_MODEL_CACHE).catch(() => undefined);
    const cached = contentLength(await cache?.match(url).catch(() => undefined));
    if (cached !== undefined) return cached;
    const response = await fetch(url, { method: 'HEAD' }).catch(() => undefined);
    return response?.ok === true ? contentLength(response) : undefined;
  };
}

/** Where the demo cascades are published on this site, each in its folder below (see demos.ts and vite.config.ts). */
export const DEMO_FOLDER = 'demo/';
export const MANIFEST_NAME = 'cascade.json';

/**
 * The cascade.json among dropped files: the one nearest the top of the folder. Its directory is
 * where the manifest's relative stage paths start.
 */
export function findManifest(paths: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const path of paths) {
    if (path !== MANIFEST_NAME && !path.endsWith(`/${MANIFEST_NAME}`)) continue;
    if (best === undefined || path.split('/').length < best.split('/').length) best = path;
  }
  return best;
}

/**
 * Opens `source` for `loadCascade`. URLs are read with fetch through the Cache API (a model fetched
 * once comes from the cache afterwards, also offline); dropped files are read from memory.
 */
export function openSource(source: CascadeSource, pageUrl: string): OpenedSource {
  switch (source.kind) {
    case 'demo': {
      const demo = findPlaygroundDemo(source.name);
      const storage = fetchStorage(new URL(`${DEMO_FOLDER}${demo.folder}`, pageUrl).href);
      return { storage, manifestPath: MANIFEST_NAME, label: `${demo.name} demo`, sizeOf: remoteSize(storage) };
    }
    case 'url': {
      const url = new URL(source.url, pageUrl);
      const slash = url.pathname.lastIndexOf('/');
      const name = url.pathname.slice(slash + 1) || MANIFEST_NAME;
      const folder = new URL(url.pathname.slice(0, slash + 1), url).href;
      const storage = fetchStorage(folder);
      return { storage, manifestPath: decodeURIComponent(name), label: url.href, sizeOf: remoteSize(storage) };
    }
    case 'files': {
      const manifestPath = findManifest(source.files.keys());
      if (manifestPath === undefined) throw new Error(`no ${MANIFEST_NAME} in the dropped files (${source.files.size} files from ${source.label}): drop the folder that holds it`);
      return { storage: fileStorage(new Map(source.files)), manifestPath, label: source.label, sizeOf: async (path) => source.files.get(path)?.size };
    }
  }
}

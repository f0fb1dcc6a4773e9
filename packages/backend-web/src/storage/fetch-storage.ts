import { errors, type Storage, type StorageReadOptions } from '@cdm/core';
import { readBody } from './read-body';

export interface FetchStorageOptions {
  /**
   * The Cache API cache that keeps downloaded files, so a model fetched once is read from disk
   * afterwards; `false` turns caching off. Default 'cdm-models'. Ignored where `caches` is missing
   * (Node, pages not served over https or localhost).
   */
  readonly cache?: string | false;
  /** The fetch to use. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** The CacheStorage to use. Default: the global `caches`, where it exists. */
  readonly caches?: CacheStorage;
}

/** A read-only `Storage` over HTTP. */
export interface FetchStorage extends Storage {
  /** The absolute base URL, ending in '/'. */
  readonly base: string;
  /** The absolute URL a storage path resolves to. */
  url(path: string): string;
}

export const DEFAULT_MODEL_CACHE = 'cdm-models';

/**
 * Reads files over HTTP(S) from `base` (an absolute URL, or in a page a path relative to it such as
 * '/models/demo/'). Reads stream with `onProgress(loaded, total)`, total from Content-Length.
 * With the Cache API, a response is stored once read completely and later reads are served from
 * the cache without a request (clear it with `caches.delete('cdm-models')`). 404/410 reject with
 * CDM_NOT_FOUND, other failures with CDM_HTTP_ERROR, both naming the URL; `write` rejects with
 * CDM_READ_ONLY.
 */
export function fetchStorage(base: string | URL, options: FetchStorageOptions = {}): FetchStorage {
  const root = resolveBase(base);
  const doFetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof doFetch !== 'function') throw errors.invalidArgument('options.fetch', 'a fetch function (this runtime has no global fetch)', doFetch);
  const cacheName = options.cache ?? DEFAULT_MODEL_CACHE;
  const cacheStorage = options.caches ?? (globalThis as { caches?: CacheStorage }).caches;
  const where = `fetch storage at ${root}`;
  let opened: Promise<Cache | undefined> | undefined;
  /** The cache, or undefined when caching is off or unavailable (opening can fail, e.g. in private windows). */
  const openCache = () => {
    if (cacheName === false || cacheStorage === undefined) return Promise.resolve(undefined);
    opened ??= cacheStorage.open(cacheName).catch(() => undefined);
    return opened;
  };

  const url = (path: string): string => {
    if (typeof path !== 'string' || path === '') throw errors.invalidArgument('path', 'a non-empty path or URL', path);
    return new URL(path, root).href;
  };

  /** Runs a request, mapping a network failure or an abort to a coded error. */
  const request = async (method: 'GET' | 'HEAD', target: string, signal: AbortSignal | undefined): Promise<Response> => {
    try {
      return await doFetch(target, signal === undefined ? { method } : { method, signal });
    } catch (error) {
      if (signal?.aborted) throw errors.aborted(`Reading ${target}`);
      throw errors.httpError(method, target, undefined, error instanceof Error ? error.message : String(error));
    }
  };

  const failed = (method: string, path: string, target: string, response: Response) =>
    response.status === 404 || response.status === 410
      ? errors.notFound(path, `${where} (${method} ${target} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''})`)
      : errors.httpError(method, target, response.status, response.statusText);

  return {
    name: 'fetch',
    base: root,
    url,

    async read(path: string, readOptions: StorageReadOptions = {}) {
      const target = url(path);
      const { signal, onProgress } = readOptions;
      if (signal?.aborted) throw errors.aborted(`Reading ${target}`);
      const cache = await openCache();
      const cached = cache === undefined ? undefined : await cache.match(target).catch(() => undefined);
      if (cached !== undefined) return readBody(cached, { signal, onProgress, what: target });

      const response = await request('GET', target, signal);
      if (!response.ok) {
        await response.body?.cancel().catch(() => {});
        throw failed('GET', path, target, response);
      }
      const bytes = await readBody(response, { signal, onProgress, what: target });
      if (cache !== undefined && response.status === 200 && /^https?:$/.test(new URL(target).protocol)) {
        const headers = new Headers({ 'content-length': String(bytes.length) });
        const type = response.headers.get('content-type');
        if (type !== null) headers.set('content-type', type);
        // A full quota or an evicted cache only costs a download next time; the read still succeeds.
        await cache.put(target, new Response(bytes.slice(), { status: 200, headers })).catch(() => {});
      }
      return bytes;
    },

    async write(path: string) {
      throw errors.readOnly(where, path);
    },

    async exists(path: string) {
      const target = url(path);
      const cache = await openCache();
      if (cache !== undefined && (await cache.match(target).catch(() => undefined)) !== undefined) return true;
      let method: 'GET' | 'HEAD' = 'HEAD';
      let response = await request(method, target, undefined);
      if (response.status === 405 || response.status === 501) {
        method = 'GET'; // a server without HEAD: start a GET and drop the body
        response = await request(method, target, undefined);
        await response.body?.cancel().catch(() => {});
      }
      if (response.ok) return true;
      if (response.status === 404 || response.status === 410) return false;
      throw failed(method, path, target, response);
    },
  };
}

/** The absolute base URL ending in '/', resolved against the page where there is one. */
function resolveBase(base: string | URL): string {
  const text = base instanceof URL ? base.href : base;
  if (typeof text !== 'string' || text === '') throw errors.invalidArgument('base', 'a URL or a path', base);
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(text.endsWith('/') ? text : `${text}/`, page).href;
  } catch {
    throw errors.invalidArgument('base', page === undefined ? 'an absolute URL (there is no page to resolve a relative one against)' : 'a URL or a path', text);
  }
}

import { errors, type Storage, type StorageReadOptions } from '@cdm/core';
import { announcedLength, readBody } from './read-body';

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
  /**
   * `readRange` on a file of at most this many bytes reads it whole once (one request, cached like
   * `read`) and serves every range from that, since many small requests cost more than one file.
   * Default 16 MiB; 0 always reads by ranges.
   */
  readonly readWholeBelow?: number;
  /**
   * The largest file `readRange` reads whole when the server ignores `Range` (answers 200 with the
   * whole file); a larger one is refused with CDM_TOO_LARGE before its body is read. Default 1 GiB.
   */
  readonly maxWholeFileBytes?: number;
}

/** A read-only `Storage` over HTTP. */
export interface FetchStorage extends Storage {
  /** The absolute base URL, ending in '/'. */
  readonly base: string;
  /** The absolute URL a storage path resolves to. */
  url(path: string): string;
}

export const DEFAULT_MODEL_CACHE = 'cdm-models';

const MiB = 2 ** 20;
/** The response header a cached piece keeps its file's validator (ETag or Last-Modified) in. */
const VALIDATOR_HEADER = 'x-cdm-validator';
/** The query parameter that tells a cached piece of a file from the whole file in the Cache API. */
const RANGE_PARAMETER = 'cdm-bytes';

/**
 * Reads files over HTTP(S) from `base` (an absolute URL, or in a page a path relative to it such as
 * '/models/demo/'). Reads stream with `onProgress(loaded, total)`, total from Content-Length.
 * With the Cache API, a response is stored once read completely and later reads are served from
 * the cache without a request (clear it with `caches.delete('cdm-models')`). 404/410 reject with
 * CDM_NOT_FOUND, other failures with CDM_HTTP_ERROR, both naming the URL; `write` rejects with
 * CDM_READ_ONLY.
 *
 * `readRange` (what `openSafetensors` uses, so a large weights file is never one buffer) sends
 * `Range: bytes=a-b` and accepts a 206 whose `Content-Range` starts at `a` (fewer bytes at the end
 * of the file; a 416 means past the end: no bytes). Ranges are served without a request from the
 * whole file when the cache holds it. Files of at most `readWholeBelow` bytes are read whole once.
 * Each piece read by range is cached on its own (the Cache API refuses 206 responses, so a piece is
 * stored as a 200 under the URL plus `?cdm-bytes=a-b`), but only when the server names the file's
 * version (a strong ETag or Last-Modified): later requests for the same file send `If-Range` with
 * that version, so pieces of two versions never mix; a file that changed meanwhile rejects with
 * CDM_HTTP_ERROR and its cached pieces are dropped. A server that ignores `Range` (200) has the
 * file read whole once (CDM_TOO_LARGE above `maxWholeFileBytes`), cached as by `read`.
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

  const readWholeBelow = options.readWholeBelow ?? 16 * MiB;
  const maxWholeFileBytes = options.maxWholeFileBytes ?? 1024 * MiB;
  /** Per URL: the version (validator) of the file whose pieces this storage has read. */
  const versions = new Map<string, string>();
  /** Per URL: the whole file, read once for `readRange` (small files, servers without ranges) and not (yet) in the cache. */
  const wholeFiles = new Map<string, Promise<Uint8Array>>();

  /** Runs a request, mapping a network failure or an abort to a coded error. */
  const request = async (method: 'GET' | 'HEAD', target: string, signal: AbortSignal | undefined, headers?: Record<string, string>): Promise<Response> => {
    try {
      return await doFetch(target, { method, ...(signal === undefined ? {} : { signal }), ...(headers === undefined ? {} : { headers }) });
    } catch (error) {
      if (signal?.aborted) throw errors.aborted(`Reading ${target}`);
      throw errors.httpError(method, target, undefined, error instanceof Error ? error.message : String(error));
    }
  };

  const failed = (method: string, path: string, target: string, response: Response) =>
    response.status === 404 || response.status === 410
      ? errors.notFound(path, `${where} (${method} ${target} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''})`)
      : errors.httpError(method, target, response.status, response.statusText);

  /** Stores a whole file read with status 200 (a full quota or an evicted cache only costs a download next time). */
  const storeWhole = async (cache: Cache, target: string, bytes: Uint8Array, type: string | null): Promise<boolean> => {
    if (!/^https?:$/.test(new URL(target).protocol)) return false;
    const headers = new Headers({ 'content-length': String(bytes.length) });
    if (type !== null) headers.set('content-type', type);
    return cache.put(target, new Response(bytes.slice(), { status: 200, headers })).then(
      () => true,
      () => false,
    );
  };

  /** Drops every cached piece of `target` (its file changed on the server). */
  const dropPieces = async (cache: Cache | undefined, target: string) => {
    if (cache === undefined || typeof cache.keys !== 'function') return;
    const keys = await cache.keys().catch(() => [] as readonly Request[]);
    const prefix = rangeKey(target, 0, 0).replace(/0-0$/, '');
    await Promise.all(keys.filter((key) => key.url.startsWith(prefix)).map((key) => cache.delete(key).catch(() => false)));
  };

  /** Reads the whole file once for later ranges: from a 200 `response` already in hand, or by `read`. */
  const readWhole = (path: string, target: string, cache: Cache | undefined, response?: Response): Promise<Uint8Array> => {
    let whole = wholeFiles.get(target);
    if (whole !== undefined) {
      void response?.body?.cancel().catch(() => {}); // another call is reading it already
      return whole;
    }
    whole = (async () => {
      if (response === undefined) return storage.read(path);
      const bytes = await readBody(response, {
        what: target,
        limit: { bytes: maxWholeFileBytes, error: () => tooLarge(target, maxWholeFileBytes) },
      });
      if (cache !== undefined) await storeWhole(cache, target, bytes, response.headers.get('content-type'));
      return bytes;
    })();
    wholeFiles.set(target, whole);
    // Once the cache holds the file, ranges come from there and memory is freed; a failure is retried by the next call.
    whole.then(
      async () => {
        if (cache !== undefined && (await cache.match(target).catch(() => undefined)) !== undefined) wholeFiles.delete(target);
      },
      () => wholeFiles.delete(target),
    );
    return whole;
  };

  const storage: FetchStorage = {
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
      if (cache !== undefined && response.status === 200) await storeWhole(cache, target, bytes, response.headers.get('content-type'));
      return bytes;
    },

    async readRange(path: string, offset: number, length: number) {
      if (!Number.isSafeInteger(offset) || offset < 0) throw errors.invalidArgument('offset', 'a non-negative integer', offset);
      if (!Number.isSafeInteger(length) || length < 0) throw errors.invalidArgument('length', 'a non-negative integer', length);
      const target = url(path);
      const cache = await openCache();
      // The whole file, when it is at hand: in the cache (an earlier read) or read once for ranges.
      const cachedWhole = cache === undefined ? undefined : await cache.match(target).catch(() => undefined);
      if (cachedWhole !== undefined) return new Uint8Array(await (await cachedWhole.blob()).slice(offset, offset + length).arrayBuffer());
      const inMemory = wholeFiles.get(target);
      if (inMemory !== undefined) {
        const whole = await inMemory.catch(() => undefined);
        if (whole !== undefined) return whole.slice(offset, offset + length);
      }
      // This piece, cached by an earlier range read of the same version of the file.
      const key = rangeKey(target, offset, length);
      const cachingPieces = cache !== undefined && /^https?:$/.test(new URL(target).protocol);
      if (cachingPieces) {
        const piece = await cache.match(key).catch(() => undefined);
        const version = piece?.headers.get(VALIDATOR_HEADER) ?? undefined;
        if (piece !== undefined && version !== undefined && (versions.get(target) ?? version) === version) {
          versions.set(target, version);
          return new Uint8Array(await piece.arrayBuffer());
        }
      }

      const end = offset + Math.max(length, 1) - 1; // a 0-byte read asks for 1 byte, so a missing file is still CDM_NOT_FOUND
      const expected = versions.get(target);
      const response = await request('GET', target, undefined, { range: `bytes=${offset}-${end}`, ...(expected === undefined ? {} : { 'if-range': expected }) });
      const cancel = () => response.body?.cancel().catch(() => {});
      if (response.status === 416) {
        await cancel(); // Range Not Satisfiable: the offset is at or past the end of the file
        return new Uint8Array(0);
      }
      if (!response.ok) {
        await cancel();
        throw failed('GET', path, target, response);
      }
      const version = validatorOf(response);
      const changed = () => {
        versions.delete(target);
        return errors.httpError('GET', target, undefined, `the file changed on the server while it was read in pieces (version ${version ?? 'unknown'}, earlier pieces ${expected}); its cached pieces were dropped, so load it again`);
      };
      if (response.status !== 206) {
        // 200: the whole file. Either the server ignores Range, or (after If-Range) the file changed.
        if (expected !== undefined && version !== expected) {
          await cancel();
          await dropPieces(cache, target);
          throw changed();
        }
        const announced = announcedLength(response);
        if (announced !== undefined && announced > maxWholeFileBytes) {
          await cancel();
          throw tooLarge(target, maxWholeFileBytes);
        }
        return (await readWhole(path, target, cache, response)).slice(offset, offset + length);
      }
      if (expected !== undefined && version !== undefined && version !== expected) {
        await cancel(); // a server that disregards If-Range
        await dropPieces(cache, target);
        throw changed();
      }
      const bytes = await readBody(response, { what: target });
      const range = parseContentRange(response.headers.get('content-range'));
      // Without Content-Range (another origin that does not expose it), the body may only be shorter than asked.
      const fits =
        range === undefined
          ? response.headers.get('content-range') === null && bytes.length <= end - offset + 1
          : range.start === offset && range.end <= end && range.end - range.start + 1 === bytes.length && (range.total === undefined || range.end < range.total);
      if (!fits) {
        throw errors.httpError('GET', target, undefined, `the server answered the request for bytes ${offset}-${end} with ${response.headers.get('content-range') ?? `${bytes.length} bytes and no Content-Range`}`);
      }
      const result = bytes.subarray(0, length);
      if (range?.total !== undefined && range.total <= readWholeBelow && result.length < range.total) {
        // A small file: one request for all of it beats one per tensor; later ranges come from it.
        readWhole(path, target, cache).catch(() => {});
        return result;
      }
      if (version !== undefined) {
        versions.set(target, expected ?? version);
        if (cachingPieces) {
          const headers = new Headers({ 'content-length': String(result.length), [VALIDATOR_HEADER]: version });
          await cache.put(key, new Response(result.slice(), { status: 200, headers })).catch(() => {});
        }
      }
      return result;
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
  return storage;
}

/** The Cache API key of a piece of a file: the URL plus `cdm-bytes=<offset>-<length>` (a fragment would be ignored by the cache). */
function rangeKey(target: string, offset: number, length: number): string {
  const key = new URL(target);
  key.hash = '';
  key.searchParams.append(RANGE_PARAMETER, `${offset}-${length}`);
  return key.href;
}

/** A response's version of the file, for If-Range: a strong ETag, else Last-Modified (weak ETags cannot be used). */
function validatorOf(response: Response): string | undefined {
  const etag = response.headers.get('etag');
  if (etag !== null && etag !== '' && !etag.startsWith('W/')) return etag;
  const modified = response.headers.get('last-modified');
  return modified !== null && modified !== '' ? modified : undefined;
}

/** `bytes <start>-<end>/<total or *>`, or undefined when absent or of another form. */
function parseContentRange(header: string | null): { start: number; end: number; total: number | undefined } | undefined {
  const match = header === null ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [start, end, total] = [Number(match[1]), Number(match[2]), match[3] === '*' ? undefined : Number(match[3])];
  return end >= start ? { start, end, total } : undefined;
}

function tooLarge(target: string, limit: number) {
  return errors.tooLarge(
    `${target}, which the server sends whole (it ignores Range requests),`,
    `${limit} bytes (maxWholeFileBytes)`,
    'Serve the file from a server that answers Range requests with 206 (nginx, Apache, S3, most CDNs and static hosts do), or raise maxWholeFileBytes if the page can hold the file in memory',
  );
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

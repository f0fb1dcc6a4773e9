import { isCdmError } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeCacheStorage } from '../testing/fake-cache-storage';
import { chunked, startTestServer, type TestServer } from '../testing/test-server';
import { fetchStorage } from './fetch-storage';

const body = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251);
let server: TestServer;
/** Resolved by the test that needs a route to stall after its first chunk. */
let releaseStall = () => {};

beforeAll(async () => {
  server = await startTestServer({
    '/models/demo/cascade.json': chunked(new TextEncoder().encode('{"format":"cdm-cascade"}'), 1, 'application/json'),
    '/models/demo/stages/base/ema.safetensors': chunked(body, 8),
    '/models/demo/broken.bin': (_request, response) => void response.writeHead(500, 'Internal Server Error').end('oops'),
    '/models/demo/no-head.bin': (request, response) => {
      if (request.method === 'HEAD') return void response.writeHead(405, 'Method Not Allowed').end();
      response.writeHead(200, { 'content-length': '3' }).end('abc');
    },
    '/models/demo/stall.bin': (_request, response) => {
      response.writeHead(200, { 'content-length': String(body.length) });
      response.write(body.subarray(0, 1000));
      return new Promise<void>((resolve) => {
        releaseStall = () => {
          response.destroy();
          resolve();
        };
      });
    },
    '/models/demo/ranged.bin': (request, response) => {
      const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
      if (match === null) return void response.writeHead(200, { 'content-length': String(body.length) }).end(body);
      const [start, end] = [Number(match[1]), Math.min(Number(match[2]), body.length - 1)];
      response.writeHead(206, { 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${body.length}`, etag: '"r1"' }).end(body.subarray(start, end + 1));
    },
    '/models/demo/truncated.bin': (_request, response) => {
      response.writeHead(200, { 'content-length': '5000' });
      response.write(body.subarray(0, 1000));
      setTimeout(() => response.destroy(), 10);
    },
  });
});
afterAll(async () => {
  releaseStall();
  await server.close();
});

/** Byte equality without vitest's element-by-element diff, which is slow on 200 kB. */
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.unreachable('expected a rejection');
};

describe('fetchStorage', () => {
  it('resolves paths against the base (with or without a trailing slash), like joinPath', () => {
    const storage = fetchStorage(`${server.url}models/demo`, { cache: false });
    expect(storage.base).toBe(`${server.url}models/demo/`);
    expect(storage.url('stages/base/config.json')).toBe(`${server.url}models/demo/stages/base/config.json`);
    expect(storage.url('stages/../cascade.json')).toBe(`${server.url}models/demo/cascade.json`);
    expect(storage.url('https://cdn.example/x.bin')).toBe('https://cdn.example/x.bin');
    expect(() => fetchStorage('models/demo')).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringContaining('an absolute URL (there is no page') }));
  });

  it('streams a read, reporting progress that grows monotonically and ends at the Content-Length', async () => {
    const storage = fetchStorage(`${server.url}models/demo/`, { cache: false });
    const events: [number, number | undefined][] = [];
    const bytes = await storage.read('stages/base/ema.safetensors', { onProgress: (loaded, total) => events.push([loaded, total]) });
    expect(sameBytes(bytes, body)).toBe(true);
    expect(events.length).toBeGreaterThan(1); // the server sends 8 paced chunks
    for (const [index, [loaded, total]] of events.entries()) {
      expect(total).toBe(body.length);
      if (index > 0) expect(loaded).toBeGreaterThan(events[index - 1]![0]);
    }
    expect(events.at(-1)).toEqual([body.length, body.length]);
  });

  it('with the Cache API, a second read (and exists) is served from the cache without a request', async () => {
    const caches = fakeCacheStorage();
    const storage = fetchStorage(`${server.url}models/demo/`, { caches });
    const path = 'stages/base/ema.safetensors';
    const before = server.requests.length;
    expect(sameBytes(await storage.read(path), body)).toBe(true);
    expect(server.requests.slice(before)).toEqual(['GET /models/demo/stages/base/ema.safetensors']);
    expect(caches.names()).toEqual(['cdm-models']);

    const events: [number, number | undefined][] = [];
    expect(sameBytes(await storage.read(path, { onProgress: (loaded, total) => events.push([loaded, total]) }), body)).toBe(true);
    expect(await storage.exists(path)).toBe(true);
    expect(server.requests.length - before).toBe(1);
    expect(events.at(-1)).toEqual([body.length, body.length]);

    // Another storage on the same cache (a page reload) reads it without a request too.
    expect(sameBytes(await fetchStorage(`${server.url}models/demo/`, { caches }).read(path), body)).toBe(true);
    expect(server.requests.length - before).toBe(1);
  });

  it('fetches every time with cache: false or without a CacheStorage (Node, insecure pages)', async () => {
    const caches = fakeCacheStorage();
    for (const storage of [fetchStorage(`${server.url}models/demo/`, { caches, cache: false }), fetchStorage(`${server.url}models/demo/`)]) {
      const before = server.requests.length;
      await storage.read('cascade.json');
      await storage.read('cascade.json');
      expect(server.requests.length - before).toBe(2);
    }
    expect(caches.puts).toBe(0);
  });

  it('uses the cache name given', async () => {
    const caches = fakeCacheStorage();
    await fetchStorage(`${server.url}models/demo/`, { caches, cache: 'my-models' }).read('cascade.json');
    expect(caches.names()).toEqual(['my-models']);
  });

  it('404 rejects with CDM_NOT_FOUND naming the URL and status, and is not cached; exists() says false', async () => {
    const caches = fakeCacheStorage();
    const storage = fetchStorage(`${server.url}models/demo/`, { caches });
    const error = await rejection(storage.read('missing.json'));
    expect(isCdmError(error, 'CDM_NOT_FOUND')).toBe(true);
    expect(error.message).toContain(`No file at "missing.json" in fetch storage at ${server.url}models/demo/ (GET ${server.url}models/demo/missing.json answered 404 Not Found)`);
    expect(caches.puts).toBe(0);
    expect(await storage.exists('missing.json')).toBe(false);
    expect(await storage.exists('cascade.json')).toBe(true);
  });

  it('other HTTP errors reject with CDM_HTTP_ERROR naming the URL and status', async () => {
    const storage = fetchStorage(`${server.url}models/demo/`, { cache: false });
    const error = await rejection(storage.read('broken.bin'));
    expect(isCdmError(error, 'CDM_HTTP_ERROR')).toBe(true);
    expect(error.message).toMatch(new RegExp(`^GET ${server.url}models/demo/broken\\.bin failed with HTTP 500 Internal Server Error\\. `));
    await expect(storage.exists('broken.bin')).rejects.toThrow(/HEAD .*broken\.bin failed with HTTP 500/);
  });

  it('a refused connection rejects with CDM_HTTP_ERROR saying to check the URL and CORS', async () => {
    const closed = await startTestServer({});
    await closed.close();
    const error = await rejection(fetchStorage(closed.url, { cache: false }).read('x.bin'));
    expect(isCdmError(error, 'CDM_HTTP_ERROR')).toBe(true);
    expect(error.message).toMatch(new RegExp(`^GET ${closed.url}x\\.bin failed: .*CORS headers \\[CDM_HTTP_ERROR\\]$`));
  });

  it('a body that breaks off rejects with CDM_HTTP_ERROR and is not cached', async () => {
    const caches = fakeCacheStorage();
    const error = await rejection(fetchStorage(`${server.url}models/demo/`, { caches }).read('truncated.bin'));
    expect(isCdmError(error, 'CDM_HTTP_ERROR')).toBe(true);
    expect(error.message).toMatch(/truncated\.bin failed: the body (broke off after 1000 bytes|ended after 1000 of the 5000 bytes)/);
    expect(caches.puts).toBe(0);
  });

  it('exists() falls back to GET where the server refuses HEAD', async () => {
    const storage = fetchStorage(`${server.url}models/demo/`, { cache: false });
    const before = server.requests.length;
    expect(await storage.exists('no-head.bin')).toBe(true);
    expect(server.requests.slice(before)).toEqual(['HEAD /models/demo/no-head.bin', 'GET /models/demo/no-head.bin']);
  });

  it('aborting mid-download rejects with CDM_ABORTED and caches nothing; an aborted signal sends no request', async () => {
    const caches = fakeCacheStorage();
    const storage = fetchStorage(`${server.url}models/demo/`, { caches });
    const controller = new AbortController();
    const reading = storage.read('stall.bin', { signal: controller.signal, onProgress: () => controller.abort() });
    const error = await rejection(reading);
    releaseStall();
    expect(isCdmError(error, 'CDM_ABORTED')).toBe(true);
    expect(error.message).toBe(`Reading ${server.url}models/demo/stall.bin was aborted [CDM_ABORTED]`);
    expect(caches.puts).toBe(0);

    const before = server.requests.length;
    await expect(storage.read('cascade.json', { signal: controller.signal })).rejects.toThrow(expect.objectContaining({ code: 'CDM_ABORTED' }));
    expect(server.requests.length).toBe(before);
  });

  it('readRange sends Range over real HTTP and takes the 206 (no whole-file request)', async () => {
    const storage = fetchStorage(`${server.url}models/demo/`, { cache: false, readWholeBelow: 0 });
    const before = server.requests.length;
    expect(sameBytes(await storage.readRange!('ranged.bin', 1000, 5000), body.subarray(1000, 6000))).toBe(true);
    expect(sameBytes(await storage.readRange!('ranged.bin', body.length - 10, 100), body.subarray(-10))).toBe(true);
    expect(server.requests.slice(before)).toEqual(['GET /models/demo/ranged.bin', 'GET /models/demo/ranged.bin']);
  });

  it('is read-only: write() rejects with CDM_READ_ONLY', async () => {
    await expect(fetchStorage(server.url).write('x.bin', Uint8Array.of(1))).rejects.toThrow(
      expect.objectContaining({ code: 'CDM_READ_ONLY', message: `Cannot write "x.bin": fetch storage at ${server.url} is read-only. Write to a storage that supports writing (memoryStorage, or fsStorage in Node) [CDM_READ_ONLY]` }),
    );
  });
});

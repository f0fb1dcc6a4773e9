import { isCdmError, openSafetensors, toFloat32, writeSafetensors } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { fakeCacheStorage } from '../testing/fake-cache-storage';
import { fetchStorage } from './fetch-storage';

/** A 4 MiB safetensors file: 16 tensors of 64 Ki floats; tensor i holds i + j / 1e6. */
const tensors = new Map(
  Array.from({ length: 16 }, (_, i) => [`block${String(i).padStart(2, '0')}.weight`, { dtype: 'F32' as const, shape: [256, 256], data: Float32Array.from({ length: 65536 }, (_, j) => i + j / 1e6) }] as const),
);
const file = writeSafetensors(tensors, { format: 'pt' });
const BASE = 'https://models.example/demo/';
const TARGET = `${BASE}big.safetensors`;

interface Served {
  readonly range: string | null;
  readonly ifRange: string | null;
  readonly status: number;
  /** Bytes the server put in the body (the whole file for a 200, whether read or not). */
  readonly sent: number;
}

/**
 * A fake fetch serving `TARGET` (strong ETag, Last-Modified): `honourRange` answers `Range:
 * bytes=a-b` with 206 and Content-Range (416 past the end, 200 when If-Range names another
 * version), else 200 with the whole file, as a server without range support does.
 */
function fakeServer(options: { honourRange: boolean; contentRange?: (start: number, end: number, total: number) => string | undefined }) {
  const state = { file, etag: '"v1"', served: [] as Served[] };
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const target = String(input instanceof Request ? input.url : input);
    const headers = new Headers(init?.headers);
    const range = headers.get('range');
    const ifRange = headers.get('if-range');
    const serve = (status: number, body: Uint8Array | null, extra: Record<string, string> = {}) => {
      state.served.push({ range, ifRange, status, sent: body?.length ?? 0 });
      return new Response(body as Uint8Array<ArrayBuffer> | null, { status, headers: { etag: state.etag, 'last-modified': 'Tue, 01 Jul 2025 00:00:00 GMT', ...(body === null ? {} : { 'content-length': String(body.length) }), ...extra } });
    };
    if (target !== TARGET) return serve(404, null);
    const current = state.file;
    const match = range === null ? null : /^bytes=(\d+)-(\d+)$/.exec(range);
    if (options.honourRange && match !== null && (ifRange === null || ifRange === state.etag)) {
      const start = Number(match[1]);
      if (start >= current.length) return serve(416, null, { 'content-range': `bytes */${current.length}` });
      const end = Math.min(Number(match[2]), current.length - 1);
      const contentRange = (options.contentRange ?? ((a, b, total) => `bytes ${a}-${b}/${total}`))(start, end, current.length);
      return serve(206, current.slice(start, end + 1), contentRange === undefined ? {} : { 'content-range': contentRange });
    }
    return serve(200, current.slice());
  }) as typeof globalThis.fetch;
  return { state, fetch, sentBytes: () => state.served.reduce((sum, s) => sum + s.sent, 0) };
}

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  return expect.unreachable('expected a rejection');
};

describe('fetchStorage.readRange', () => {
  it('opens a safetensors file by ranges: the header, the end and one tensor, far fewer bytes than the file', async () => {
    const server = fakeServer({ honourRange: true });
    const storage = fetchStorage(BASE, { fetch: server.fetch, cache: false, readWholeBelow: 0 });
    const source = await openSafetensors(storage, 'big.safetensors', { wholeReadBytes: 0 }); // tensor by tensor, as for a few tensors of a big file
    expect(source.byteLength).toBe(file.length);
    expect([...source.entries.keys()]).toHaveLength(16);
    const tensor = await source.read('block07.weight');
    expect(toFloat32(tensor).subarray(0, 3)).toEqual(Float32Array.of(7, 7 + 1e-6, 7 + 2e-6));
    expect(server.state.served.map((s) => s.status)).toEqual([206, 206, 206, 206]); // length, header, end, tensor
    expect(server.state.served.every((s) => s.range !== null)).toBe(true);
    expect(server.sentBytes()).toBeLessThan(file.length / 10); // one 256 KiB tensor of a 4 MiB file, plus the header
    expect(server.sentBytes()).toBeLessThan(65536 * 4 + 4096);
  });

  it('keeps readRange semantics: fewer bytes at the end, none past it, 0-byte reads, CDM_NOT_FOUND, CDM_INVALID_ARGUMENT', async () => {
    const server = fakeServer({ honourRange: true });
    const storage = fetchStorage(BASE, { fetch: server.fetch, cache: false, readWholeBelow: 0 });
    expect(await storage.readRange!('big.safetensors', file.length - 3, 10)).toEqual(file.slice(-3));
    expect(await storage.readRange!('big.safetensors', file.length, 10)).toEqual(new Uint8Array(0));
    expect(await storage.readRange!('big.safetensors', file.length + 100, 1)).toEqual(new Uint8Array(0));
    expect(await storage.readRange!('big.safetensors', 5, 0)).toEqual(new Uint8Array(0));
    const missing = await rejection(storage.readRange!('missing.safetensors', 0, 8));
    expect(isCdmError(missing, 'CDM_NOT_FOUND')).toBe(true);
    expect(missing.message).toContain(`No file at "missing.safetensors" in fetch storage at ${BASE}`);
    await expect(storage.readRange!('big.safetensors', -1, 8)).rejects.toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    await expect(storage.readRange!('big.safetensors', 0, 1.5)).rejects.toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
  });

  it('refuses a 206 whose Content-Range is not the range asked for; accepts one without Content-Range (not exposed by CORS) when it is no longer', async () => {
    const shifted = fakeServer({ honourRange: true, contentRange: (a, b, total) => `bytes ${a + 1}-${b + 1}/${total}` });
    const error = await rejection(fetchStorage(BASE, { fetch: shifted.fetch, cache: false, readWholeBelow: 0 }).readRange!('big.safetensors', 100, 50));
    expect(isCdmError(error, 'CDM_HTTP_ERROR')).toBe(true);
    expect(error.message).toContain('answered the request for bytes 100-149 with bytes 101-150/');

    const hidden = fakeServer({ honourRange: true, contentRange: () => undefined });
    const storage = fetchStorage(BASE, { fetch: hidden.fetch, cache: false, readWholeBelow: 0 });
    expect(await storage.readRange!('big.safetensors', 100, 50)).toEqual(file.slice(100, 150));
    expect(toFloat32(await (await openSafetensors(storage, 'big.safetensors')).read('block15.weight'))[0]).toBe(15);
  });

  it('caches each piece (as a 200 under ?cdm-bytes=…, never a 206): a reload reads the same tensors with no request', async () => {
    const caches = fakeCacheStorage();
    const server = fakeServer({ honourRange: true });
    const open = () => openSafetensors(fetchStorage(BASE, { fetch: server.fetch, caches, readWholeBelow: 0 }), 'big.safetensors');
    await (await open()).read('block03.weight');
    expect(server.state.served).toHaveLength(4);
    expect(caches.puts).toBe(4);
    const keys = (await (await caches.open('cdm-models')).keys()).map((request) => request.url);
    expect(keys.every((key) => key.startsWith(`${TARGET}?cdm-bytes=`))).toBe(true);

    const reloaded = await open();
    expect(toFloat32(await reloaded.read('block03.weight'))[0]).toBe(3);
    expect(server.state.served).toHaveLength(4); // all from the cache
    // A piece not cached yet is fetched with If-Range naming the version the cached pieces came from.
    await reloaded.read('block04.weight');
    expect(server.state.served.at(-1)).toMatchObject({ status: 206, ifRange: '"v1"' });
  });

  it('a file that changed on the server since its pieces were cached is refused (CDM_HTTP_ERROR), never mixed, and its pieces are dropped', async () => {
    const caches = fakeCacheStorage();
    const server = fakeServer({ honourRange: true });
    const storage = () => fetchStorage(BASE, { fetch: server.fetch, caches, readWholeBelow: 0 });
    await openSafetensors(storage(), 'big.safetensors');
    server.state.file = writeSafetensors(new Map([...tensors].map(([name, t]) => [name, { ...t, data: t.data.map((x) => -x) }] as const)));
    server.state.etag = '"v2"';
    const stale = await openSafetensors(storage(), 'big.safetensors'); // header from the cache (v1)
    const error = await rejection(stale.read('block01.weight'));
    expect(isCdmError(error, 'CDM_HTTP_ERROR')).toBe(true);
    expect(error.message).toContain('the file changed on the server while it was read in pieces (version "v2", earlier pieces "v1")');
    expect(server.state.served.at(-1)).toMatchObject({ ifRange: '"v1"', status: 200 });
    expect(await (await caches.open('cdm-models')).keys()).toEqual([]);
    // Loading it again reads the new version.
    expect(toFloat32(await (await openSafetensors(storage(), 'big.safetensors')).read('block01.weight'))[1]).toBeCloseTo(-(1 + 1e-6), 6);
  });

  it('a whole file already in the cache (an earlier read) serves every range with no request', async () => {
    const caches = fakeCacheStorage();
    const server = fakeServer({ honourRange: true });
    const storage = fetchStorage(BASE, { fetch: server.fetch, caches, readWholeBelow: 0 });
    await storage.read('big.safetensors');
    expect(server.state.served).toHaveLength(1);
    expect(toFloat32(await (await openSafetensors(storage, 'big.safetensors')).read('block09.weight'))[0]).toBe(9);
    expect(server.state.served).toHaveLength(1);
  });

  it('a small file (up to readWholeBelow) is read whole once after the first range, and cached whole as by read()', async () => {
    const caches = fakeCacheStorage();
    const server = fakeServer({ honourRange: true });
    const storage = fetchStorage(BASE, { fetch: server.fetch, caches }); // default 16 MiB > 4 MiB
    const source = await openSafetensors(storage, 'big.safetensors');
    for (const name of source.entries.keys()) await source.read(name);
    expect(server.state.served.map((s) => [s.status, s.range])).toEqual([
      [206, 'bytes=0-7'],
      [200, null],
    ]);
    expect((await (await caches.open('cdm-models')).keys()).map((request) => request.url)).toEqual([TARGET]);
  });

  it('a server that ignores Range (200): the file is read once and every range served from it; over maxWholeFileBytes, CDM_TOO_LARGE', async () => {
    for (const caches of [undefined, fakeCacheStorage()]) {
      const server = fakeServer({ honourRange: false });
      const storage = fetchStorage(BASE, { fetch: server.fetch, readWholeBelow: 0, ...(caches === undefined ? { cache: false } : { caches }) });
      const source = await openSafetensors(storage, 'big.safetensors');
      for (const name of source.entries.keys()) expect(toFloat32(await source.read(name))[0]).toBe(Number(name.slice(5, 7)));
      expect(server.state.served.map((s) => s.status)).toEqual([200]);
      if (caches !== undefined) expect(caches.puts).toBe(1);
    }

    const server = fakeServer({ honourRange: false });
    const error = await rejection(openSafetensors(fetchStorage(BASE, { fetch: server.fetch, cache: false, readWholeBelow: 0, maxWholeFileBytes: 2 ** 20 }), 'big.safetensors'));
    expect(isCdmError(error, 'CDM_TOO_LARGE')).toBe(true);
    expect(error.message).toBe(
      `${TARGET}, which the server sends whole (it ignores Range requests), is too large: the limit is 1048576 bytes (maxWholeFileBytes). Serve the file from a server that answers Range requests with 206 (nginx, Apache, S3, most CDNs and static hosts do), or raise maxWholeFileBytes if the page can hold the file in memory [CDM_TOO_LARGE]`,
    );
  });
});

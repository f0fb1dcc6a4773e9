/**
 * Test-only: an in-memory CacheStorage with the part of the Cache API fetchStorage uses
 * (open, match, put, keys, delete), keeping bodies as bytes. `puts` counts stored responses, and
 * `put` refuses a 206 as the real Cache API does.
 */
export function fakeCacheStorage(): CacheStorage & { readonly names: () => string[]; puts: number } {
  const caches = new Map<string, Map<string, { body: Uint8Array; init: ResponseInit }>>();
  const storage = {
    puts: 0,
    names: () => [...caches.keys()],
    async open(name: string) {
      let entries = caches.get(name);
      if (entries === undefined) caches.set(name, (entries = new Map()));
      const store = entries;
      return {
        async match(request: RequestInfo | URL) {
          const hit = store.get(String(request instanceof Request ? request.url : request));
          return hit === undefined ? undefined : new Response(hit.body.slice(), hit.init);
        },
        async keys() {
          return [...store.keys()].map((url) => new Request(url));
        },
        async delete(request: RequestInfo | URL) {
          return store.delete(String(request instanceof Request ? request.url : request));
        },
        async put(request: RequestInfo | URL, response: Response) {
          if (response.status === 206) throw new TypeError("Failed to execute 'put' on 'Cache': Partial response (status code 206) is unsupported");
          const body = new Uint8Array(await response.arrayBuffer());
          store.set(String(request instanceof Request ? request.url : request), { body, init: { status: response.status, headers: Object.fromEntries(response.headers) } });
          storage.puts += 1;
        },
      } as unknown as Cache;
    },
  };
  return storage as unknown as CacheStorage & { readonly names: () => string[]; puts: number };
}

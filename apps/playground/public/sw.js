/* global self, caches -- a service worker script */
// The playground's service worker: keeps the app shell available offline. On install it caches
// every file the build listed in precache.json (index.html, the page's and the sampling worker's
// chunks, every backend's lazily loaded code and all tfjs .wasm binaries), so any backend can be
// chosen offline, not only the one the first visit used. Requests go to the network first, so a
// new build is picked up whenever the server is reachable; the cache answers when it is not.
// Model files are left alone: the page reads them through @cdm/backend-web's fetchStorage, which
// keeps them in the Cache API itself and does not download them again.
const SHELL_CACHE = 'cdm-playground-shell-v1'; // same name as SHELL_CACHE in src/offline.ts
const MODEL_FILE = /\.(safetensors)$|\/cascade\.json$|\/config\.json$|\/stage\.json$/; // same test as MODEL_FILE in src/model-file.ts
const PRECACHE_MANIFEST = 'precache.json'; // written by src/build/precache-manifest-plugin.ts

async function precache() {
  const response = await fetch(new URL(PRECACHE_MANIFEST, self.registration.scope), { cache: 'no-store' });
  if (!response.ok) return; // a development build has none
  const { files } = await response.json();
  const cache = await caches.open(SHELL_CACHE);
  const urls = ['./', ...files].map((path) => new URL(path, self.registration.scope).href);
  // One at a time would be slow; all at once, and one missing file must not cost the rest.
  await Promise.all(urls.map((url) => cache.add(url).catch((error) => console.warn(`offline cache: could not fetch ${url}`, error))));
}

self.addEventListener('install', (event) => event.waitUntil(precache().then(() => self.skipWaiting())));
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || MODEL_FILE.test(url.pathname)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (error) {
        const cached = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
        if (cached !== undefined) return cached;
        throw error;
      }
    })(),
  );
});

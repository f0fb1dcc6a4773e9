/* global self, caches -- a service worker script */
// The playground's service worker: keeps the app shell (index.html, Vite's hashed JS/CSS, the
// tfjs .wasm files) available offline. Network first, so a new build is picked up whenever the
// server is reachable; the cache answers when it is not. Model files are left alone: the page
// reads them through @cdm/backend-web's fetchStorage, which keeps them in the Cache API itself
// and does not download them again.
const SHELL_CACHE = 'cdm-playground-shell-v1'; // same name as SHELL_CACHE in src/offline.ts
const MODEL_FILE = /\.(safetensors)$|\/cascade\.json$|\/config\.json$|\/stage\.json$/; // same test as MODEL_FILE in src/offline.ts

self.addEventListener('install', () => self.skipWaiting());
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

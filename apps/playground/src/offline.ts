import { MODEL_FILE } from './model-file';

/** Must match SHELL_CACHE in public/sw.js. */
export const SHELL_CACHE = 'cdm-playground-shell-v1';


/**
 * Offline support, production builds only (in `vite dev` a service worker would cache modules that
 * hot reloading replaces). Registers public/sw.js, which on install caches every file the build
 * listed in precache.json (all backends' chunks and every .wasm) and answers from its cache when
 * the network fails. Resolves once that worker is active, i.e. once the precache is complete. Also
 * puts what this page has loaded so far (the page, Vite's hashed JS/CSS, the .wasm
 * binaries) into that cache, since those requests happened before the worker existed. Model files
 * are not part of it: @cdm/backend-web's fetchStorage keeps them in the Cache API and reads them
 * from there without a request.
 */
export async function registerOfflineSupport(): Promise<'registered' | 'unsupported' | 'dev'> {
  if (import.meta.env.DEV) return 'dev';
  if (!('serviceWorker' in navigator) || typeof caches === 'undefined') return 'unsupported';
  await navigator.serviceWorker.register(new URL('sw.js', document.baseURI), { scope: './' });
  await navigator.serviceWorker.ready;
  const page = new URL(document.baseURI);
  const loaded = performance
    .getEntriesByType('resource')
    .map((entry) => entry.name)
    .filter((url) => new URL(url).origin === location.origin && !MODEL_FILE.test(new URL(url).pathname));
  const shell = [...new Set([new URL('./', page).href, location.href, ...loaded])];
  const cache = await caches.open(SHELL_CACHE);
  await Promise.all(shell.map((url) => cache.add(url).catch(() => undefined))); // one missing file must not cost the rest
  return 'registered';
}

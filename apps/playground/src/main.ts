import './style.css';
import { startApp } from './app';
import { isBackendChoice } from './backend-choices';
import { registerOfflineSupport } from './offline';
import { installTestHook } from './test-hook';

// The main thread builds the page and draws; tfjs, the backends and the cascade live in the sampling worker.
const hook = installTestHook();
const query = new URLSearchParams(location.search);
const requested = query.get('backend') ?? 'auto';
const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');

const app = startApp({ root, backend: isBackendChoice(requested) ? requested : 'auto', hook });
const url = query.get('cascade');
const demo = query.get('demo');
// Offline support after the first load, so the service worker's precache does not compete with it.
void app
  .load(url === null ? { kind: 'demo', ...(demo === null ? {} : { name: demo }) } : { kind: 'url', url })
  .then(registerOfflineSupport)
  .then((state) => (hook.offline = state))
  .catch((error: unknown) => console.warn('offline support is off: the service worker did not register', error));

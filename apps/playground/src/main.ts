import './style.css';
import { startApp } from './app';
import { isBackendChoice } from './backend-choice';
import { registerOfflineSupport } from './offline';
import { registerWebBackends } from '@cdm/backend-web';
import { cascadeRegistries } from './registries';
import { installTestHook } from './test-hook';
import { WASM_PATHS } from './wasm-paths';

const hook = installTestHook();
const query = new URLSearchParams(location.search);
const requested = query.get('backend') ?? 'auto';
const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');

// webgpu → webgl → wasm; the .wasm binaries are served from where Vite put them.
const registries = cascadeRegistries();
registerWebBackends(registries.backends, { wasm: { wasmPaths: WASM_PATHS } });

const app = startApp({ root, registries, backend: isBackendChoice(requested) ? requested : 'auto', hook });
const url = query.get('cascade');
// The first load pulls in the backend's code; the service worker then keeps everything loaded so far for offline use.
void app
  .load(url === null ? { kind: 'demo' } : { kind: 'url', url })
  .then(registerOfflineSupport)
  .then((state) => (hook.offline = state))
  .catch((error: unknown) => console.warn('offline support is off: the service worker did not register', error));

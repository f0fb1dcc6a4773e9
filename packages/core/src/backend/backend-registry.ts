import type { Backend } from '../contracts/backend';
import { createRegistry, type Registry } from '../registry';

/** What to suggest when a backend name is unknown or nothing is registered. */
export const BACKEND_INSTALL_HINT =
  'Install and register a backend package: @cdm/backend-node (Node) or @cdm/backend-web (browsers), then backends.use(...)';

/** An empty registry of backend plugins; `selectBackend` picks from one. */
export function createBackendRegistry(): Registry<Backend> {
  return createRegistry<Backend>({ kind: 'backend', hint: BACKEND_INSTALL_HINT });
}

/** The default backend registry. Backend packages add themselves only when asked: `backends.use(wasmBackend())`. */
export const backends = createBackendRegistry();

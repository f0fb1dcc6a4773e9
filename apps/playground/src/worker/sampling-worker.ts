/**
 * The sampling worker's entry: tfjs, the backends and the cascade live here, off the page's main
 * thread (WebGL and WebGPU through the worker's OffscreenCanvas and navigator.gpu). The page talks
 * to it through SamplerClient (src/sampler-client.ts); see protocol.ts for the messages.
 */
import { registerWebBackends } from '@cdm/backend-web';
import { cascadeRegistries } from '../registries';
import { WASM_PATHS } from '../wasm-paths';
import type { WorkerRequest } from './protocol';
import { workerSession } from './worker-session';

/** The dedicated worker's global scope, as far as this file uses it (the page's DOM typings describe a Window). */
interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerRequest>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const registries = cascadeRegistries();
registerWebBackends(registries.backends, { wasm: { wasmPaths: WASM_PATHS } });
const session = workerSession({ registries, post: (reply, transfer = []) => scope.postMessage(reply, transfer) });
scope.addEventListener('message', (event) => void session.handle(event.data));

import { backends, type Backend, type Registry } from '@cdm/core';
import { cpuBackend } from './cpu-backend';
import { tensorflowBackend } from './tensorflow-backend';
import { tensorflowCudaBackend } from './tensorflow-cuda-backend';
import { wasmBackend, type WasmBackendOptions } from './wasm-backend';
import { webgpuBackend } from './webgpu-backend';

/** Options of `nodeBackends` / `registerNodeBackends`. */
export interface NodeBackendsOptions {
  /** Options of the `wasm` backend, e.g. `{ threads: 2 }` (default: `CDM_WASM_THREADS`, else 1). */
  readonly wasm?: WasmBackendOptions;
  /**
   * Whether `init()` of the webgpu, wasm and tfjs-cpu backends registers tfjs' gradient functions (default
   * true). `false` for sampling only: it saves about a second of start-up; call `ensureGradients()`
   * before training. `wasm.gradients` overrides it for wasm.
   */
  readonly gradients?: boolean;
}

/** This package's backends, highest priority first: tensorflow-cuda, webgpu, tensorflow, wasm, cpu. */
export function nodeBackends(options: NodeBackendsOptions = {}): Backend[] {
  const gradients = options.gradients === undefined ? {} : { gradients: options.gradients };
  return [tensorflowCudaBackend(), webgpuBackend(gradients), tensorflowBackend(), wasmBackend({ ...gradients, ...options.wasm }), cpuBackend(gradients)];
}

/** Registers this package's backends in `registry` (default: @cdm/core's `backends`); returns it. */
export function registerNodeBackends(registry: Registry<Backend> = backends, options: NodeBackendsOptions = {}): Registry<Backend> {
  for (const backend of nodeBackends(options)) if (!registry.has(backend.name)) registry.use(backend);
  return registry;
}

import { backends, type Backend, type Registry } from '@cdm/core';
import { wasmBackend, type WasmBackendOptions } from './wasm-backend';
import { webglBackend } from './webgl-backend';
import { webgpuBackend, type WebGpuBackendOptions } from './webgpu-backend';

export interface WebBackendsOptions {
  readonly webgpu?: WebGpuBackendOptions;
  readonly wasm?: WasmBackendOptions;
}

/** This package's backends, highest priority first: webgpu (300), webgl (200), wasm (100). */
export function webBackends(options: WebBackendsOptions = {}): Backend[] {
  return [webgpuBackend(options.webgpu), webglBackend(), wasmBackend(options.wasm)];
}

/**
 * Registers webgpu, webgl and wasm in `registry` (default: @cdm/core's `backends`) so that
 * `selectBackend('auto')` tries them in that order; names already registered are left alone, so
 * calling it again is a no-op. Returns the registry.
 */
export function registerWebBackends(registry: Registry<Backend> = backends, options: WebBackendsOptions = {}): Registry<Backend> {
  for (const backend of webBackends(options)) if (!registry.has(backend.name)) registry.use(backend);
  return registry;
}

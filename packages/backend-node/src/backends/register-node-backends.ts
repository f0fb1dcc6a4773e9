import { backends, type Backend, type Registry } from '@cdm/core';
import { cpuBackend } from './cpu-backend';
import { tensorflowBackend } from './tensorflow-backend';
import { tensorflowCudaBackend } from './tensorflow-cuda-backend';
import { wasmBackend } from './wasm-backend';

/** This package's backends, highest priority first: tensorflow-cuda, tensorflow, wasm, cpu. */
export function nodeBackends(): Backend[] {
  return [tensorflowCudaBackend(), tensorflowBackend(), wasmBackend(), cpuBackend()];
}

/** Registers this package's backends in `registry` (default: @cdm/core's `backends`); returns it. */
export function registerNodeBackends(registry: Registry<Backend> = backends): Registry<Backend> {
  for (const backend of nodeBackends()) if (!registry.has(backend.name)) registry.use(backend);
  return registry;
}

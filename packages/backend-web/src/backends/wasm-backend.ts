import type { Backend, BackendSupport } from '@cdm/core';
import { errors } from '@cdm/core';
import { activateEngine } from './activate-engine';

/** The binaries tfjs-wasm picks from (plain, SIMD, SIMD + threads); serve all three. */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
export type WasmBinary = (typeof WASM_BINARIES)[number];

export interface WasmBackendOptions {
  /**
   * Where the `.wasm` files are served: a URL prefix ending in '/' (e.g. '/tfjs-wasm/' or a CDN
   * folder), or one URL per binary. Passed to tfjs' `setWasmPaths` before the first init. Default:
   * next to the bundled script, which most bundlers do not arrange by themselves (see the README).
   */
  readonly wasmPaths?: string | Readonly<Record<WasmBinary, string>>;
}

/**
 * tfjs-wasm (XNNPACK, SIMD, threads where the page is cross-origin isolated): the CPU fallback. It
 * runs inference; it cannot train, since tfjs-wasm 4.22 lacks convolution gradient kernels (the
 * training kernels live in @cdm/backend-node).
 */
export function wasmBackend(options: WasmBackendOptions = {}): Backend {
  const { wasmPaths } = options;
  if (wasmPaths !== undefined && typeof wasmPaths !== 'string') {
    const missing = WASM_BINARIES.filter((name) => typeof wasmPaths[name] !== 'string' || wasmPaths[name] === '');
    if (missing.length > 0) throw errors.invalidArgument('wasmPaths', `a URL prefix or a URL for each of ${WASM_BINARIES.join(', ')}`, `a map without ${missing.join(', ')}`);
  }
  return {
    name: 'wasm',
    engine: 'wasm',
    priority: 100,
    capabilities: { training: false, gpu: false, asyncReadsOnly: false },
    async isSupported(): Promise<BackendSupport> {
      return typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object'
        ? { supported: true }
        : { supported: false, reason: 'WebAssembly is not available in this runtime (disabled by policy, or a very old browser)' };
    },
    async init() {
      await activateEngine(
        'wasm',
        async () => {
          const wasm = await import('@tensorflow/tfjs-backend-wasm');
          // Only the first successful load reads the paths; tfjs refuses new ones after a failed load.
          if (wasmPaths !== undefined) wasm.setWasmPaths(wasmPaths);
        },
        '@tensorflow/tfjs-backend-wasm did not register (WebAssembly missing)',
      );
    },
  };
}

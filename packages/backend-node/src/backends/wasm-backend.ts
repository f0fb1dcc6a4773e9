import * as tf from '@tensorflow/tfjs-core';
import type { Backend, BackendSupport } from '@cdm/core';
import { ensureGradients } from '../gradients/ensure-gradients';
import { registerNativeKernels, unregisterNativeKernels } from '../kernels/native/register-native-kernels';
import { registerWasmTrainingKernels } from '../kernels/wasm/register-wasm-training-kernels';
import { installWasmMemoryGuard } from '../memory/wasm-memory-guard';
import { loadNativeAddon } from '../native/native-addon';
import { resolveNativeThreads } from '../native/native-threads';
import { enableWasmThreads, resolveWasmThreads, wasmThreadsCount } from './wasm-threads';

/** Options of `wasmBackend`. */
export interface WasmBackendOptions {
  /**
   * EXPERIMENTAL. XNNPACK threads (1–8) on Node worker_threads, through tfjs-wasm's threaded SIMD
   * build, which tfjs itself never loads in Node. Default: the `CDM_WASM_THREADS` environment
   * variable, else 1. If the threaded build does not start, the backend warns and runs on 1 thread.
   * Takes effect only if the tfjs `wasm` backend has not been used yet in this process.
   */
  readonly threads?: number;
  /**
   * Run convolutions and their gradients, matrix products, broadcast arithmetic, Sum/Mean and the
   * fused GroupNorm on this package's native kernels (C++, built at install for this machine's
   * CPU; see the README) when they are built. Default: on when built, unless `CDM_NATIVE=0`. With
   * `true`, a missing build is reported through `warn`; with `false` WebAssembly runs everything.
   */
  readonly native?: boolean;
  /** Threads of the native kernels. Default: `CDM_NATIVE_THREADS`, else every available core. */
  readonly nativeThreads?: number;
  /** Where warnings (threads that did not start) go. Default `console.warn`. */
  readonly warn?: (message: string) => void;
  /**
   * Register tfjs' gradient functions in `init()` (default true), so that training works without
   * importing them yourself. `false` for a process that only samples: importing them costs about a
   * second at start-up and inference needs none. Call `ensureGradients()` before training then.
   */
  readonly gradients?: boolean;
}

/**
 * tfjs-wasm (XNNPACK, SIMD) with this package's training kernels: the fast CPU path when
 * TensorFlow's native library is not installed. Where the package's native kernels are built,
 * the heavy kernels (convolutions, matrix products, arithmetic, reductions, GroupNorm) run on them
 * (every core by default) and the rest on WebAssembly. XNNPACK runs one thread by default; `threads` (or `CDM_WASM_THREADS`) opts
 * in to the experimental multi-threaded build (see the README).
 */
export function wasmBackend(options: WasmBackendOptions = {}): Backend {
  return {
    name: 'wasm',
    engine: 'wasm',
    priority: 200,
    capabilities: { training: true, gpu: false, asyncReadsOnly: false },
    async isSupported(): Promise<BackendSupport> {
      return typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object' ? { supported: true } : { supported: false, reason: 'WebAssembly is not available in this runtime' };
    },
    async init() {
      const threads = resolveWasmThreads(options.threads); // an invalid value throws before anything starts
      const nativeThreads = resolveNativeThreads(options.nativeThreads);
      let warned = false;
      const warn = (message: string) => {
        warned = true;
        (options.warn ?? console.warn)(message);
      };
      // In Node the package loads its .wasm binaries from its own dist/ folder.
      await import('@tensorflow/tfjs-backend-wasm');
      if (options.gradients !== false) await ensureGradients();
      if (threads > 1 && tf.findBackend('wasm') === null) await enableWasmThreads(threads, { warn });
      if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed to load the WebAssembly module");
      const running = wasmThreadsCount() ?? 1;
      if (threads > 1 && running !== threads && !warned) warn(`wasm: running with ${running} thread(s), not the ${threads} asked for (threads only take effect before the wasm backend is first used)`);
      unregisterNativeKernels('wasm'); // the WebAssembly kernels go in first; the native ones wrap them
      registerWasmTrainingKernels('wasm');
      const native = options.native === false ? undefined : loadNativeAddon();
      if (native?.available === true) registerNativeKernels(native.addon, nativeThreads, 'wasm');
      else if (native !== undefined && options.native === true) warn(`wasm: native kernels asked for but not used: ${native.reason}`);
      installWasmMemoryGuard('wasm'); // a full heap throws CDM_OUT_OF_MEMORY instead of corrupting tensors
    },
  };
}

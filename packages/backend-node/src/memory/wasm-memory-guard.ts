import * as tf from '@tensorflow/tfjs-core';
import { errors, isCdmError, type CdmError } from '@cdm/core';

/** The emscripten module inside tfjs-wasm's backend, as far as the guard needs it. */
interface WasmModuleLike {
  _malloc: (bytes: number) => number;
  /** The raw exports: emscripten's `_malloc` is a stub that replaces itself with `asm.malloc` on first call. */
  asm?: { malloc?: (bytes: number) => number };
  HEAPU8: Uint8Array;
}

const guarded = new WeakSet<object>();

/** Bytes in the WebAssembly heap now (it only grows), or undefined when `backendName` is not wasm. */
export function wasmHeapBytes(backendName = 'wasm'): number | undefined {
  const wasm = (tf.findBackend(backendName) as unknown as { wasm?: WasmModuleLike } | null)?.wasm;
  return wasm?.HEAPU8.buffer.byteLength;
}

/**
 * Makes tfjs-wasm fail loudly when its 32-bit heap (at most 4 GiB) is full. As shipped, tfjs-wasm
 * 4.22 ignores a failed `malloc` (it returns address 0) and goes on writing tensors over the start
 * of the heap, until a later op aborts the module for good (and a request of 4 GiB or more wraps
 * around to a small block). The guard wraps the module's `_malloc`
 * so that a failed tensor allocation throws CDM_OUT_OF_MEMORY (suggesting gradient accumulation)
 * before anything is written; the backend stays usable. (A training step that fails this way can
 * leave its intermediate tensors behind, since tfjs' gradient code does not clean up on a throw, and
 * the heap never shrinks: restart with a smaller batch.) Idempotent;
 * returns false when `backendName` is not an initialised wasm backend.
 */
export function installWasmMemoryGuard(backendName = 'wasm'): boolean {
  const wasm = (tf.findBackend(backendName) as unknown as { wasm?: WasmModuleLike } | null)?.wasm;
  if (wasm === undefined || typeof wasm._malloc !== 'function') return false;
  if (guarded.has(wasm)) return true;
  const malloc = wasm.asm?.malloc ?? wasm._malloc;
  wasm._malloc = (bytes: number) => {
    // malloc takes a 32-bit size: larger requests would silently wrap around to a small block.
    const address = bytes >= 2 ** 32 ? 0 : malloc(bytes);
    if (address === 0 && bytes > 0) {
      const heap = wasm.HEAPU8.buffer.byteLength;
      throw errors.outOfMemory(
        `The ${backendName} backend`,
        `could not allocate ${formatBytes(bytes)} with ${formatBytes(heap)} of its 4 GiB WebAssembly heap in use`,
      );
    }
    return address;
  };
  guarded.add(wasm);
  return true;
}

/**
 * Turns an abort of the WebAssembly module (a failed allocation inside a native kernel) into
 * CDM_OUT_OF_MEMORY; returns undefined for other errors. After an abort the module is unusable
 * and the process must restart, which the message says.
 */
export function wasmOutOfMemoryError(error: unknown): CdmError | undefined {
  if (isCdmError(error, 'CDM_OUT_OF_MEMORY')) return error; // already from the guard
  const message = error instanceof Error ? error.message : String(error);
  if (!/^Aborted\(|Cannot enlarge memory|Out of memory|OOM/i.test(message)) return undefined;
  const out = errors.outOfMemory('The wasm backend', `the WebAssembly module aborted (${message.split('\n')[0]}); restart the process`);
  (out as { cause?: unknown }).cause = error;
  return out;
}

const formatBytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

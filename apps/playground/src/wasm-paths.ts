import type { WasmBinary } from '@cdm/backend-web';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/**
 * Where the tfjs WASM binaries are served: Vite copies each into the build (hashed names) and the
 * backend fetches the one the browser can run (SIMD, threaded SIMD where the page is
 * cross-origin isolated, or plain).
 */
export const WASM_PATHS: Readonly<Record<WasmBinary, string>> = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
};

import { NATIVE_BUILD_HINT, type NativeAddonStatus } from '@cdm/backend-node';

/**
 * The cost of training without the native kernels, from BENCHMARKS.md (2-core machine, batch 16,
 * 32×32): a training step of @cdm/unet's tiny-32 takes 9 626 ms on wasm alone against 1 130 ms
 * with the native kernels on 2 threads (8.5×); the reduced U-Net 3 642 ms against 711 ms (5.1×).
 */
export const NATIVE_SLOWDOWN = '5–8.5×';
const MEASURED = 'BENCHMARKS.md: a tiny-32 U-Net training step takes 9.6 s on wasm alone, 1.1 s with the native kernels on 2 threads';

/** How to let each package manager run @cdm/backend-node's install script, which builds the kernels. */
export const NATIVE_FIX =
  'fix: `npm rebuild @cdm/backend-node` (needs a C++ compiler); npm 11 first `npm install-scripts approve @cdm/backend-node` (allowScripts), ' +
  'pnpm: add it to pnpm.onlyBuiltDependencies (pnpm 10: `pnpm approve-builds`) then `pnpm rebuild @cdm/backend-node`';

/**
 * The one-line warning `cdm train` prints at training start when it trains on tfjs-wasm without
 * the native kernels, or undefined when there is nothing to say (another backend, or the kernels
 * are in use).
 */
export function nativeKernelWarning(tfjsBackend: string, nativeThreads: number | undefined, addon: NativeAddonStatus): string | undefined {
  if (tfjsBackend !== 'wasm' || nativeThreads !== undefined) return undefined;
  const reason = addon.available ? 'built but not registered for the wasm backend' : addon.reason.replace(`; ${NATIVE_BUILD_HINT}`, '');
  const fix = !addon.available && /CDM_NATIVE=0/.test(addon.reason) ? 'unset CDM_NATIVE to use them' : NATIVE_FIX;
  return `warning: training on wasm without the native kernels (${reason}) is about ${NATIVE_SLOWDOWN} slower (${MEASURED}); ${fix}; \`cdm info\` shows their state`;
}

import { NATIVE_BUILD_HINT, type NativeAddonStatus } from '@cdm/backend-node';

/**
 * The measurement behind the warning: the last run of `npm run bench -w @cdm/backend-node` that
 * timed the wasm backend both with and without the native kernels (the default run does both;
 * `--wasm-alone no` skips the run without them). Its BENCHMARKS.md is in the repository's history
 * at `commit`; @cdm/backend-node's README ("Training without the native kernels") states the same
 * figures with their source, and native-warning.test.ts checks all three agree. Batch 16, 32×32,
 * best of 3; wasm alone runs one thread (its default), the native kernels every core (theirs).
 * After a new measurement, set `commit` to undefined while the figures are those of the working
 * tree's BENCHMARKS.md, then to the commit that records them.
 */
export const NATIVE_MEASUREMENT = {
  commit: '3f0fd07' as string | undefined,
  date: '2026-12-07',
  machine: 'AMD EPYC with AVX-512, 2 cores',
  /** Training-step times in ms. */
  tiny32: { wasmAlone1Thread: 7528, native1Thread: 725, native2Threads: 487 },
  reducedUNet: { wasmAlone1Thread: 2806, native1Thread: 399, native2Threads: 310 },
} as const;

const ratio = (net: { wasmAlone1Thread: number; native2Threads: number }) => net.wasmAlone1Thread / net.native2Threads;
const ratios = [ratio(NATIVE_MEASUREMENT.tiny32), ratio(NATIVE_MEASUREMENT.reducedUNet)];

/** The slowdown without the native kernels, wasm alone against native kernels at their defaults on 2 cores: '9.1–15.5×'. */
export const NATIVE_SLOWDOWN = `${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}×`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const MEASURED =
  `a tiny-32 U-Net training step took ${seconds(NATIVE_MEASUREMENT.tiny32.wasmAlone1Thread)} on wasm alone, ` +
  `${seconds(NATIVE_MEASUREMENT.tiny32.native2Threads)} with the native kernels on 2 threads, measured ${NATIVE_MEASUREMENT.date} on 2 cores: ` +
  '@cdm/backend-node README, "Training without the native kernels"';

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

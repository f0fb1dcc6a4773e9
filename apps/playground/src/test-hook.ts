/**
 * TEST-ONLY: a small window.__cdm object the end-to-end tests (src/e2e) and the benchmark
 * (bench/browser-bench.mjs) read to learn when the page is ready and what the last run produced.
 * Nothing in the page reads it; it is not an API.
 */
export interface CdmTestHook {
  /** A cascade is loaded and a backend is up: the Sample button works. */
  ready: boolean;
  /** A sampling run is in progress. */
  busy: boolean;
  /** The tfjs backend in use and the WebGPU adapter, when there is one. */
  backend: string | undefined;
  adapter: string | undefined;
  /** The latest error message shown, if any. */
  error: string | undefined;
  /** Runs finished so far. */
  runs: number;
  /** x̂_0 previews drawn so far (all runs). */
  previews: number;
  /** Cascade loads finished so far (a backend switch reloads the weights). */
  loads: number;
  lastRun: CdmTestRun | undefined;
  /** Set once offline support is set up: 'registered' (service worker and shell cache ready), 'unsupported' or 'dev'. */
  offline: 'registered' | 'unsupported' | 'dev' | undefined;
}

export interface CdmTestRun {
  readonly backend: string;
  readonly seed: number;
  readonly classLabel: number | undefined;
  /** Every stage's final images: NHWC values in [−1, 1]. */
  readonly stages: readonly { readonly name: string; readonly count: number; readonly width: number; readonly height: number; readonly channels: number; readonly pixels: Float32Array }[];
  /** Milliseconds per stage. */
  readonly timings: readonly number[];
}

/** Creates window.__cdm (test-only) and returns it for the page to update. */
export function installTestHook(): CdmTestHook {
  const hook: CdmTestHook = { ready: false, busy: false, backend: undefined, adapter: undefined, error: undefined, runs: 0, previews: 0, loads: 0, lastRun: undefined, offline: undefined };
  (globalThis as { __cdm?: CdmTestHook }).__cdm = hook;
  return hook;
}

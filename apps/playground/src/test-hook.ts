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
  /** The tfjs backend in use and the device it runs on (WebGPU adapter or WebGL renderer), when known. */
  backend: string | undefined;
  adapter: string | undefined;
  /** The one-line notice about the backend choice (why not WebGPU, or why the chosen one is slow), if any. */
  notice: string | undefined;
  /** The latest error message shown, if any. */
  error: string | undefined;
  /** Runs finished so far. */
  runs: number;
  /** Denoising steps reported by the worker so far (all runs). */
  steps: number;
  /** Runs cancelled so far; when the last Cancel was pressed (performance.now()) and the step count then. */
  cancels: number;
  cancelRequestedAt: number | undefined;
  stepsAtCancel: number | undefined;
  /** The last cancel: ms from the click to the worker's confirmation, and the steps reported in between. */
  cancelLatency: { readonly milliseconds: number; readonly stepsAfter: number } | undefined;
  /** The last load's download bar: the total it showed first, and the last bytes loaded and total. */
  download: { readonly firstTotal: number; readonly loaded: number; readonly total: number } | undefined;
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
  const hook: CdmTestHook = {
    ready: false,
    busy: false,
    backend: undefined,
    adapter: undefined,
    notice: undefined,
    error: undefined,
    runs: 0,
    steps: 0,
    cancels: 0,
    cancelRequestedAt: undefined,
    stepsAtCancel: undefined,
    cancelLatency: undefined,
    download: undefined,
    previews: 0,
    loads: 0,
    lastRun: undefined,
    offline: undefined,
  };
  (globalThis as { __cdm?: CdmTestHook }).__cdm = hook;
  return hook;
}

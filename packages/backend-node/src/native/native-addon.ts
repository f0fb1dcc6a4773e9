import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

/** The functions of the native addon (native/src/addon.cc). Views are written in place. */
export interface NativeAddon {
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, geometry: Int32Array, threads: number): void;
  /** conv2d with bias[out_c] added in the epilogue (the same numbers as a separate Add). */
  conv2dBias(x: Float32Array, filter: Float32Array, bias: Float32Array, y: Float32Array, geometry: Int32Array, threads: number): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array, threads: number): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array, threads: number): void;
  batchMatMul(a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array, threads: number): void;
  binary(op: number, a: Float32Array, aShape: Int32Array, b: Float32Array, bShape: Int32Array, out: Float32Array, threads: number): void;
  groupNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, rstd: Float32Array, dims: Int32Array, epsilon: number, threads: number): void;
  groupNormGrad(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    gamma: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    dims: Int32Array,
    threads: number,
  ): void;
  reduceSum(x: Float32Array, shape: Int32Array, reducedAxes: Int32Array, out: Float32Array, mean: number, threads: number): void;
  silu(x: Float32Array, y: Float32Array, threads: number): void;
  siluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, threads: number): void;
  /** y = x·mask, the Philox dropout mask of @cdm/core's `CdmDropout` contract. */
  dropout(x: Float32Array, y: Float32Array, key0: number, key1: number, threshold: number, scale: number, threads: number): void;
  /** One Adam step; coefficients are [β₁, β₂, ε, stepSize, secondCorrection] in float64. */
  adamUpdate(
    param: Float32Array,
    m: Float32Array,
    v: Float32Array,
    grad: Float32Array,
    paramOut: Float32Array,
    mOut: Float32Array,
    vOut: Float32Array,
    coefficients: Float64Array,
    threads: number,
  ): void;
  /** Concat (toWhole 1) or split (0) along one axis, every tensor viewed as [rows, width]. */
  blockCopy(parts: Float32Array[], widths: Int32Array, whole: Float32Array, rows: number, toWhole: number, threads: number): void;
  info(): { isa: string; hardwareThreads: number };
}

/** Whether the native kernels can run here, and if not, why. */
export type NativeAddonStatus =
  | { readonly available: true; readonly addon: NativeAddon; readonly isa: string; readonly path: string }
  | { readonly available: false; readonly reason: string };

/** How to build them from a project that installed this package (the repo's own `npm run build:native` works only here). */
export const NATIVE_BUILD_HINT =
  "build them with `npm rebuild @cdm/backend-node` (needs a C++ compiler; pnpm and npm 11 must be allowed to run its install script: see @cdm/backend-node's README)";

/** Where the package's native build lives: `native/build/` next to its package.json. */
function buildFolder(): string | undefined {
  const bases = [join(process.cwd(), 'package.json')];
  if (typeof __dirname === 'string') bases.unshift(join(__dirname, 'index.js'));
  try {
    if (typeof import.meta.url === 'string' && import.meta.url !== '') bases.unshift(import.meta.url);
  } catch {
    /* no import.meta in the CJS build */
  }
  for (const base of bases) {
    try {
      return join(dirname(createRequire(base).resolve('@cdm/backend-node/package.json')), 'native', 'build');
    } catch {
      /* not resolvable from here */
    }
  }
  return undefined;
}

/** The instruction-set flags of this CPU (Linux), which the build record also holds: '' elsewhere. */
export function cpuFlags(): string {
  try {
    return /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

let cached: NativeAddonStatus | undefined;

/**
 * Loads the native kernels built by `scripts/build-native.mjs`, once per process. They are
 * compiled for the CPU of the machine that built them (-march=native), so a build made on another
 * CPU is refused rather than risking illegal instructions. `CDM_NATIVE=0` turns them off;
 * `CDM_NATIVE_ADDON=<file>` loads another build.
 */
export function loadNativeAddon(): NativeAddonStatus {
  if (cached !== undefined) return cached;
  cached = load();
  return cached;
}

function load(): NativeAddonStatus {
  if (process.env.CDM_NATIVE === '0') return { available: false, reason: 'turned off by CDM_NATIVE=0' };
  const override = process.env.CDM_NATIVE_ADDON;
  if (override !== undefined && override.trim() !== '') return readNativeAddon(override, false); // empty: as if unset
  const folder = buildFolder();
  return folder === undefined ? { available: false, reason: `not built; ${NATIVE_BUILD_HINT}` } : readNativeAddon(join(folder, 'cdm-native.node'), true);
}

/**
 * Loads the addon at `path`. With `checkBuild`, its build record (cdm-native.json beside it) must
 * name this machine's CPU and architecture. Exported for tests; use `loadNativeAddon`.
 */
export function readNativeAddon(path: string, checkBuild: boolean): NativeAddonStatus {
  if (!existsSync(path)) return { available: false, reason: `not built (${path} is missing); ${NATIVE_BUILD_HINT}` };
  if (checkBuild) {
    const stamp = join(dirname(path), 'cdm-native.json');
    try {
      const built = JSON.parse(readFileSync(stamp, 'utf8')) as { cpu?: string; cpuFlags?: string; arch?: string };
      const cpu = os.cpus()[0]?.model ?? 'unknown';
      if (built.cpu !== cpu || built.cpuFlags !== cpuFlags() || built.arch !== process.arch) {
        return { available: false, reason: `built for another CPU (${built.cpu}, ${built.arch}; this one is ${cpu}, ${process.arch}); ${NATIVE_BUILD_HINT}` };
      }
    } catch {
      return { available: false, reason: `its build record ${stamp} is missing or unreadable; ${NATIVE_BUILD_HINT}` };
    }
  }
  try {
    const addon = createRequire(join(dirname(path), 'index.js'))(path) as NativeAddon;
    return { available: true, addon, isa: addon.info().isa, path };
  } catch (error) {
    return { available: false, reason: `${path} did not load (${error instanceof Error ? error.message : String(error)}); ${NATIVE_BUILD_HINT}` };
  }
}

import * as tf from '@tensorflow/tfjs-core';
import { errors } from '@cdm/core';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** tfjs-wasm starts 8 pool workers and caps XNNPACK's thread pool at 8 threads. */
export const MAX_WASM_THREADS = 8;

/** The priority tfjs-backend-wasm registers its backend with; kept when we replace the factory. */
const TFJS_WASM_PRIORITY = 2;

/** What `enableWasmThreads` achieved. */
export interface WasmThreadsStatus {
  /** Threads asked for. */
  readonly requested: number;
  /** Threads XNNPACK runs with once the wasm backend starts (1 after a fallback). */
  readonly threads: number;
  /** Why the threaded build was not used, when it was not. */
  readonly fallback?: string;
}

/** Options of `enableWasmThreads`. */
export interface WasmThreadsOptions {
  /** Give up on the threaded build (and fall back to 1 thread) when it has not started after this long. Default 60 s. */
  readonly timeoutMs?: number;
  /** Where the fallback warning goes. Default `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** A Node `worker_threads` Worker as far as this file needs it. */
interface WorkerLike {
  ref(): void;
  unref(): void;
  terminate(): unknown;
}

/** The emscripten module of tfjs-wasm's threaded build, as far as this file and tfjs' BackendWasm need it. */
interface ThreadedModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  PThread?: { runningWorkers: WorkerLike[]; unusedWorkers: WorkerLike[]; terminateAllThreads(): void };
  tfjs?: Record<string, (...args: number[]) => number>;
}

type BackendWasmClass = new (wasm: never) => tf.KernelBackend & { wasm: ThreadedModule | null };

/**
 * The number of XNNPACK threads asked for: `requested` (from `wasmBackend({ threads })`), else the
 * `CDM_WASM_THREADS` environment variable, else 1. Throws CDM_INVALID_ARGUMENT for anything but an
 * integer from 1 to 8.
 */
export function resolveWasmThreads(requested?: number, env: Record<string, string | undefined> = process.env): number {
  if (requested !== undefined) return checkThreads('wasmBackend({ threads })', requested);
  const fromEnv = env.CDM_WASM_THREADS;
  if (fromEnv === undefined || fromEnv.trim() === '') return 1;
  return checkThreads('CDM_WASM_THREADS', /^\s*\d+\s*$/.test(fromEnv) ? Number(fromEnv) : fromEnv);
}

function checkThreads(arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_WASM_THREADS) {
    throw errors.invalidArgument(arg, `an integer from 1 to ${MAX_WASM_THREADS} (XNNPACK threads of the wasm backend)`, value);
  }
  return value;
}

/** The threads XNNPACK runs with in the initialised tfjs `wasm` backend, or undefined before it starts. */
export function wasmThreadsCount(backendName = 'wasm'): number | undefined {
  const wasm = (tf.findBackend(backendName) as unknown as { wasm?: ThreadedModule | null } | null)?.wasm;
  const count = wasm?.tfjs?.getThreadsCount?.();
  return typeof count === 'number' && count > 0 ? count : undefined;
}

/**
 * EXPERIMENTAL, opt-in. Makes tfjs' `wasm` backend start from tfjs-wasm's threaded SIMD build, with
 * `threads` XNNPACK threads running on Node `worker_threads`. Call it before the wasm backend is first
 * used (`wasmBackend({ threads }).init()` does). tfjs turns threads off in Node; this file loads the
 * emscripten module itself, from files tfjs-backend-wasm ships, and hands it to tfjs' public
 * `BackendWasm`:
 *
 * - the pthread worker script (shipped as a string) is written once to a content-addressed file in
 *   the temp directory, because Node's workers cannot start from the `blob:` URL tfjs makes;
 * - workers load the glue from its file in the package (`mainScriptUrlOrBlob`);
 * - tfjs caps its pool at half the "logical cores" the module reports (to skip hyper-threads), so the
 *   module is told there are 2 × `threads`;
 * - the pool's workers are unref'd, so they never keep the process alive.
 *
 * Before anything is replaced, the module must load within `timeoutMs` and XNNPACK must report
 * `threads` threads. Otherwise the workers are terminated, a warning says why, and tfjs' own
 * single-threaded backend stays in place: this never throws for a failure to start threads.
 */
export async function enableWasmThreads(threads: number, options: WasmThreadsOptions = {}): Promise<WasmThreadsStatus> {
  const requested = checkThreads('threads', threads);
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const running = wasmThreadsCount();
  if (running !== undefined) {
    if (running !== requested) warn(`wasm: already running with ${running} thread(s); threads only take effect before the wasm backend is first used`);
    return { requested, threads: running, ...(running === requested ? {} : { fallback: 'the wasm backend was already initialised' }) };
  }
  if (requested === 1) return { requested, threads: 1 };
  const wasmPackage = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as {
    BackendWasm: BackendWasmClass;
    setThreadsCount(count: number): void;
  };
  try {
    const backend = await startThreadedBackend(wasmPackage, requested, options.timeoutMs ?? 60_000);
    let first: tf.KernelBackend | undefined = backend;
    tf.removeBackend('wasm'); // not initialised yet: this only drops tfjs' factory
    tf.registerBackend(
      'wasm',
      async () => {
        // After a tf.removeBackend('wasm') the prebuilt backend is disposed: start a new one.
        const ready = first ?? (await startThreadedBackend(wasmPackage, requested, options.timeoutMs ?? 60_000));
        first = undefined;
        return ready;
      },
      TFJS_WASM_PRIORITY,
    );
    return { requested, threads: requested };
  } catch (error) {
    wasmPackage.setThreadsCount(-1);
    const reason = error instanceof Error ? error.message : String(error);
    warn(`wasm: could not start ${requested} threads (${reason}); continuing with 1 thread`);
    return { requested, threads: 1, fallback: reason };
  }
}

async function startThreadedBackend(
  wasmPackage: { BackendWasm: BackendWasmClass; setThreadsCount(count: number): void },
  threads: number,
  timeoutMs: number,
): Promise<tf.KernelBackend> {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') throw new Error('this runtime has no SharedArrayBuffer');
  const module = await loadThreadedModule(threads, timeoutMs);
  try {
    wasmPackage.setThreadsCount(threads);
    const backend = new wasmPackage.BackendWasm(module as never); // creates XNNPACK's thread pool
    const started = module.tfjs?.getThreadsCount?.() ?? -1;
    if (started !== threads) {
      backend.dispose();
      throw new Error(`XNNPACK started ${started} thread(s)`);
    }
    // Emscripten refs a worker while it runs a thread; XNNPACK's threads never end.
    for (const worker of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) worker.unref();
    return backend;
  } catch (error) {
    module.PThread?.terminateAllThreads();
    throw error;
  }
}

/** Loads the threaded SIMD emscripten module with the tfjs.* functions tfjs' BackendWasm expects. */
async function loadThreadedModule(threads: number, timeoutMs: number): Promise<ThreadedModule> {
  const files = threadedBuildFiles();
  const factory = files.require(files.glue) as (config: object) => Promise<ThreadedModule>;
  const binary = readFileSync(files.binary);
  const config: Record<string, unknown> = {
    locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? files.worker : path.endsWith('.wasm') ? files.binary : prefix + path),
    // Workers import the glue from this file (tfjs passes a Blob, which Node's workers cannot import).
    mainScriptUrlOrBlob: files.glue,
    instantiateWasm(imports: { env: Record<string, unknown> }, receive: (instance: object, module: object) => void) {
      // tfjs-wasm sizes its pool as min(requested, logical cores / 2): report 2 × threads cores.
      imports.env.emscripten_num_logical_cores = () => 2 * threads;
      webAssembly().instantiate(binary, imports).then(
        ({ instance, module }) => receive(instance, module),
        (error: unknown) => rejectLoad(error),
      );
      return {};
    },
  };
  let rejectLoad: (error: unknown) => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    rejectLoad = reject;
    config.onAbort = (what: unknown) => reject(new Error(`the threaded module aborted: ${String(what)}`));
    timer = setTimeout(() => reject(new Error(`the threaded module did not start within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const module = await Promise.race([factory(config), failed]);
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    return module;
  } catch (error) {
    // The config object is the emscripten Module: stop whatever workers it started.
    (config as { PThread?: ThreadedModule['PThread'] }).PThread?.terminateAllThreads();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The WebAssembly global (typed here: this package compiles without the DOM library). */
function webAssembly(): { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object; module: object }> } {
  return (globalThis as unknown as { WebAssembly: ReturnType<typeof webAssembly> }).WebAssembly;
}

/** Paths of the threaded build inside the installed tfjs-backend-wasm, and a worker script file. */
function threadedBuildFiles(): { require: NodeRequire; glue: string; binary: string; worker: string } {
  const require = packageRequire('@tensorflow/tfjs-backend-wasm/package.json');
  const root = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const glue = join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const binary = join(root, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const workerModule = join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js');
  for (const file of [glue, binary, workerModule]) if (!existsSync(file)) throw new Error(`${file} is missing from @tensorflow/tfjs-backend-wasm`);
  const { wasmWorkerContents } = require(workerModule) as { wasmWorkerContents?: unknown };
  if (typeof wasmWorkerContents !== 'string') throw new Error(`${workerModule} has no wasmWorkerContents string`);
  // The script is shipped inside a template literal, which turned its "\n" escapes into newlines.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  new Script(source, { filename: 'tfjs-wasm-worker.cjs' }); // throws a SyntaxError before any worker is started
  return { require, glue, binary, worker: writeOnce(source) };
}

/** A require that resolves `specifier` from this package, or else from the working directory. */
function packageRequire(specifier: string): NodeRequire {
  const bases = [join(process.cwd(), 'package.json')];
  try {
    if (typeof import.meta.url === 'string' && import.meta.url !== '') bases.unshift(import.meta.url);
  } catch {
    /* CJS build: no import.meta */
  }
  for (const base of bases) {
    const require = createRequire(base);
    try {
      require.resolve(specifier);
      return require;
    } catch {
      /* try the next base */
    }
  }
  throw new Error(`cannot resolve ${specifier}`);
}

/** Writes `source` to a file named after its hash in the temp directory (atomically, once) and returns the path. */
function writeOnce(source: string): string {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'cdm-tfjs-wasm');
  const file = join(dir, `worker-${hash}.cjs`); // .cjs: a CommonJS script whatever package.json is above
  if (existsSync(file) && readFileSync(file, 'utf8') === source) return file;
  mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, source);
  renameSync(temporary, file);
  return file;
}

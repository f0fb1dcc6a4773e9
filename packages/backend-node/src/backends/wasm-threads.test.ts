import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCdmError } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChildScript } from '../testing/bundle-child-script';
import { MAX_WASM_THREADS, resolveWasmThreads } from './wasm-threads';

describe('resolveWasmThreads', () => {
  it('takes the option, else CDM_WASM_THREADS, else 1', () => {
    expect(resolveWasmThreads(3, { CDM_WASM_THREADS: '2' })).toBe(3);
    expect(resolveWasmThreads(undefined, { CDM_WASM_THREADS: ' 2 ' })).toBe(2);
    expect(resolveWasmThreads(undefined, { CDM_WASM_THREADS: '' })).toBe(1);
    expect(resolveWasmThreads(undefined, {})).toBe(1);
  });

  it('rejects anything but an integer from 1 to 8 with CDM_INVALID_ARGUMENT', () => {
    for (const bad of [0, -1, 1.5, MAX_WASM_THREADS + 1, Number.NaN]) {
      expect(() => resolveWasmThreads(bad, {})).toThrow(/^Invalid wasmBackend\(\{ threads \}\): expected an integer from 1 to 8/);
    }
    for (const bad of ['two', '0', '9', '2.5']) {
      let caught: unknown;
      try {
        resolveWasmThreads(undefined, { CDM_WASM_THREADS: bad });
      } catch (error) {
        caught = error;
      }
      expect(isCdmError(caught, 'CDM_INVALID_ARGUMENT')).toBe(true);
      expect((caught as Error).message).toMatch(/^Invalid CDM_WASM_THREADS: expected an integer from 1 to 8/);
    }
  });
});

/** What the child process (src/testing/wasm-threads-child.ts) prints. */
interface ChildReport {
  threads: number;
  warnings: string[];
  results: Record<string, number[]>;
  workerTicks: number[];
  numTensors: number;
  oom?: string;
  keptIntact?: number[];
}

const TIMEOUT_MS = 120_000; // a hang (workers keeping Node alive, a pool that never starts) fails here
const hasProc = existsSync('/proc/self/task');

// The threaded build replaces tfjs' process-wide `wasm` backend, so every case runs in its own plain
// Node process: the child module bundled by esbuild (tfjs stays external, resolved from node_modules).
describe('wasm threads (experimental), each in a child process', () => {
  let bundle = '';
  beforeAll(async () => {
    const child = fileURLToPath(new URL('../testing/wasm-threads-child.ts', import.meta.url));
    bundle = await bundleChildScript(
      'wasm-threads-child',
      `import { runWasmThreadsChild } from ${JSON.stringify(child)}; await runWasmThreadsChild(process.argv.slice(2));`,
      fileURLToPath(new URL('.', import.meta.url)),
    );
  });
  afterAll(async () => {
    if (bundle !== '') await rm(join(bundle, '..'), { recursive: true, force: true });
  });

  /** Runs the child; resolves with its report once it has exited by itself (code 0), else fails. */
  const run = (...args: string[]) =>
    new Promise<ChildReport>((resolve, reject) => {
      const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CDM_WASM_THREADS: '' } });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`child ${args.join(' ')} did not exit within ${TIMEOUT_MS} ms (printed: ${out.slice(0, 200)}) ${err}`));
      }, TIMEOUT_MS);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`child ${args.join(' ')} ended with ${code ?? signal}: ${err}`));
        else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildReport);
      });
    });

  /** Every op output of `actual` within 1e-5 of `expected`'s, relative to the op's largest value. */
  const expectSameResults = (actual: ChildReport, expected: ChildReport) => {
    expect(Object.keys(actual.results).sort()).toEqual(Object.keys(expected.results).sort());
    for (const [op, want] of Object.entries(expected.results)) {
      const got = actual.results[op] ?? [];
      expect(got.length, op).toBe(want.length);
      const scale = Math.max(1, ...want.map(Math.abs));
      const worst = Math.max(...want.map((w, i) => Math.abs(w - (got[i] ?? Number.NaN))));
      expect(worst / scale, op).toBeLessThanOrEqual(1e-5);
    }
  };

  let single: ChildReport;
  it('1 thread (the reference) exits by itself', async () => {
    single = await run('1');
    expect(single.threads).toBe(1);
    expect(single.warnings).toEqual([]);
  });

  it('2 threads: XNNPACK reports 2, results equal 1 thread within 1e-5, no tensors leak, and the process exits by itself', async () => {
    const threaded = await run('2');
    expect(threaded.threads).toBe(2);
    expect(threaded.warnings).toEqual([]);
    expectSameResults(threaded, single ?? (await run('1')));
    expect(threaded.numTensors).toBe(0);
  });

  it.skipIf(!hasProc)('2 threads: a worker thread does part of the convolutions (per-thread CPU time from /proc)', async () => {
    const threaded = await run('2');
    // Six [16,32,32,64] 3×3 convolutions are ~1 s of work: a pool thread that shares it gets well
    // over 50 ms (5 ticks) of CPU time. With 1 thread, no worker thread runs at all.
    expect(threaded.workerTicks[0] ?? 0).toBeGreaterThan(5);
    expect((single ?? (await run('1'))).workerTicks.filter((t) => t > 5)).toEqual([]);
  });

  it('falls back to 1 thread with a warning when the threaded build does not start in time, and still exits', async () => {
    const fallback = await run('2', 'timeout');
    expect(fallback.threads).toBe(1);
    expect(fallback.warnings).toEqual(['wasm: could not start 2 threads (the threaded module did not start within 1 ms); continuing with 1 thread']);
    expectSameResults(fallback, single ?? (await run('1')));
  });

  it('with 2 threads a batch too large for the heap fails with CDM_OUT_OF_MEMORY instead of hanging, and the backend keeps working', async () => {
    const oom = await run('2', 'oom');
    expect(oom.threads).toBe(2);
    expect(oom.oom).toBe('CDM_OUT_OF_MEMORY');
    expect(oom.keptIntact).toEqual([1, 1]);
    expectSameResults(oom, single ?? (await run('1')));
  });
});

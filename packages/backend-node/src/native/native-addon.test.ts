import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codedError } from '@cdm/core/testing';
import { cpuFlags, loadNativeAddon, readNativeAddon } from './native-addon';
import { MAX_NATIVE_THREADS, resolveNativeThreads } from './native-threads';

const native = loadNativeAddon();
const compiler = (() => {
  try {
    execFileSync(process.env.CXX ?? 'c++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('the native addon', () => {
  it.runIf(compiler && process.env.CDM_NATIVE !== '0')('is built wherever a C++ compiler is found (npm run build builds it)', () => {
    expect(native.available ? 'built' : native.reason).toBe('built');
  });

  describe.skipIf(!native.available)('when built', () => {
    const addon = native.available ? native.addon : undefined!;
    const geometry = Int32Array.of(1, 4, 4, 2, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1); // [1,4,4,2] * 3×3×2×3, 'same'

    it('names the instruction set it was compiled for', () => {
      expect(['avx512', 'avx2', 'sse/neon']).toContain(addon.info().isa);
      expect(addon.info().hardwareThreads).toBeGreaterThan(0);
    });

    it('refuses views shorter than the dimensions say, instead of reading past them', () => {
      const x = new Float32Array(32), w = new Float32Array(54), y = new Float32Array(48);
      expect(() => addon.conv2d(x.subarray(1), w, y, geometry, 1)).toThrow(/x holds 31 elements; the dimensions need 32/);
      expect(() => addon.conv2dBackpropInput(y, w, x.subarray(2), geometry, 1)).toThrow(/dx holds 30 elements/);
      expect(() => addon.conv2dBackpropFilter(x, y, w.subarray(1), geometry, 1)).toThrow(/dw holds 53 elements/);
      expect(() => addon.batchMatMul(new Float32Array(6), new Float32Array(6), new Float32Array(3), Int32Array.of(1, 1, 2, 2, 3, 0, 0), 1)).toThrow(/out holds 3 elements; the dimensions need 4/);
      try {
        addon.conv2d(x.subarray(1), w, y, geometry, 1);
      } catch (error) {
        expect((error as { code?: string }).code).toBe('CDM_NATIVE_ARGUMENT');
      }
    });

    it('refuses other array types, bad geometry and thread counts', () => {
      const x = new Float32Array(32), w = new Float32Array(54), y = new Float32Array(48);
      expect(() => addon.conv2d(new Float64Array(32) as unknown as Float32Array, w, y, geometry, 1)).toThrow(/x must be a Float32Array/);
      expect(() => addon.conv2d(x, w, y, Int32Array.of(1, 2, 3), 1)).toThrow(/geometry must hold 15 numbers/);
      expect(() => addon.conv2d(x, w, y, Int32Array.from(geometry, (v, i) => (i === 9 ? 0 : v)), 1)).toThrow(/strides and dilations must be at least 1/);
      expect(() => addon.conv2d(x, w, y, geometry, 0)).toThrow(/threads must be an integer from 1 to 64/);
      expect(() => addon.batchMatMul(x, x, x, Int32Array.of(2, 3, 1, 1, 1, 0, 0), 1)).toThrow(/batch sizes must be equal or 1/);
    });

    it('a 3×3 convolution equals the sum written out (float64), one and two threads alike', () => {
      const [n, h, wd, ci, , , co] = [1, 4, 4, 2, 4, 4, 3];
      const x = Float32Array.from({ length: n * h * wd * ci }, (_, i) => Math.sin(i));
      const w = Float32Array.from({ length: 9 * ci * co }, (_, i) => Math.cos(i));
      const expected = new Float64Array(h * wd * co);
      for (let oy = 0; oy < h; oy++)
        for (let ox = 0; ox < wd; ox++)
          for (let o = 0; o < co; o++)
            for (let a = 0; a < 3; a++)
              for (let b = 0; b < 3; b++)
                for (let c = 0; c < ci; c++) {
                  const iy = oy + a - 1, ix = ox + b - 1;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < wd) expected[(oy * wd + ox) * co + o]! += x[(iy * wd + ix) * ci + c]! * w[((a * 3 + b) * ci + c) * co + o]!;
                }
      for (const threads of [1, 2]) {
        const y = new Float32Array(h * wd * co);
        addon.conv2d(x, w, y, geometry, threads);
        y.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      }
    });

    it('serves several threads at once: four Node workers running 4-thread products together get the single-threaded result', async () => {
      // Each worker multiplies the same pair of 96×300 · 300×80 matrices 30 times on 4 threads
      // while the others do too; the pool runs one job at a time, so nothing interleaves.
      const a = Float32Array.from({ length: 96 * 300 }, (_, i) => Math.sin(i));
      const b = Float32Array.from({ length: 300 * 80 }, (_, i) => Math.cos(i));
      const dims = Int32Array.of(1, 1, 96, 80, 300, 0, 0);
      const expected = new Float32Array(96 * 80);
      addon.batchMatMul(a, b, expected, dims, 1);
      const path = native.available ? native.path : '';
      const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        const addon = require(workerData.path);
        const out = new Float32Array(96 * 80);
        let worst = 0;
        for (let k = 0; k < 30; k++) {
          out.fill(NaN);
          addon.batchMatMul(workerData.a, workerData.b, out, workerData.dims, 4);
          for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - workerData.expected[i]));
        }
        parentPort.postMessage(worst);`;
      const { Worker } = await import('node:worker_threads');
      const worst = await Promise.all(
        Array.from({ length: 4 }, () => new Promise<number>((resolve, reject) => {
          const worker = new Worker(code, { eval: true, workerData: { path, a, b, dims, expected } });
          worker.once('message', (value: number) => void worker.terminate().then(() => resolve(value)));
          worker.once('error', reject);
        })),
      );
      for (const w of worst) expect(w).toBeLessThan(1e-4 * Math.max(...Array.from(expected, Math.abs)));
    });

    describe('a build made elsewhere', () => {
      const folder = mkdtempSync(join(tmpdir(), 'cdm-native-'));
      afterAll(() => rmSync(folder, { recursive: true, force: true }));

      it('is refused when its record names another CPU, and loads with a matching record', () => {
        const copy = join(folder, 'cdm-native.node');
        copyFileSync(native.available ? native.path : '', copy);
        // The fields the loader compares, as build-native.mjs records them for this machine.
        const record = { cpu: os.cpus()[0]?.model ?? 'unknown', cpuFlags: cpuFlags(), arch: process.arch };
        writeFileSync(join(folder, 'cdm-native.json'), JSON.stringify({ ...record, cpuFlags: 'sse sse2' }));
        const refused = readNativeAddon(copy, true);
        expect(refused.available).toBe(false);
        expect(refused.available ? '' : refused.reason).toMatch(/built for another CPU.*npm rebuild @cdm\/backend-node/);
        writeFileSync(join(folder, 'cdm-native.json'), JSON.stringify(record));
        expect(readNativeAddon(copy, true).available).toBe(true);
      });

      it('is refused without its record, and a missing file says how to build it', () => {
        rmSync(join(folder, 'cdm-native.json'), { force: true });
        expect(readNativeAddon(join(folder, 'cdm-native.node'), true)).toMatchObject({ available: false, reason: expect.stringMatching(/build record .* is missing/) });
        expect(readNativeAddon(join(folder, 'nothing.node'), true)).toMatchObject({ available: false, reason: expect.stringMatching(/missing.*npm rebuild @cdm\/backend-node/) });
      });
    });
  });
});

describe('resolveNativeThreads', () => {
  it('takes the option, then CDM_NATIVE_THREADS, then every available core', () => {
    expect(resolveNativeThreads(3, {})).toBe(3);
    expect(resolveNativeThreads(undefined, { CDM_NATIVE_THREADS: ' 2 ' })).toBe(2);
    expect(resolveNativeThreads(undefined, {})).toBeGreaterThanOrEqual(1);
  });

  it('refuses anything but an integer from 1 to 64 with a coded error naming its source', async () => {
    expect(await codedError(() => resolveNativeThreads(0, {}))).toMatchObject({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringContaining('wasmBackend({ nativeThreads })') });
    expect(await codedError(() => resolveNativeThreads(MAX_NATIVE_THREADS + 1, {}))).toMatchObject({ code: 'CDM_INVALID_ARGUMENT' });
    expect(await codedError(() => resolveNativeThreads(undefined, { CDM_NATIVE_THREADS: 'all' }))).toMatchObject({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringContaining('CDM_NATIVE_THREADS') });
  });
});

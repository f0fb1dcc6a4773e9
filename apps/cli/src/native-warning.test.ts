import { NATIVE_BUILD_HINT, type NativeAddon } from '@cdm/backend-node';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NATIVE_FIX, NATIVE_MEASUREMENT, NATIVE_SLOWDOWN, nativeKernelWarning } from './native-warning';

const missing = { available: false, reason: `not built (/x/native/build/cdm-native.node is missing); ${NATIVE_BUILD_HINT}` } as const;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(`${root}${path}`, 'utf8');
const grouped = (ms: number) => `${ms.toLocaleString('en-US').replace(/,/g, ' ')} ms`; // 9626 → '9 626 ms', as the READMEs write times

describe('nativeKernelWarning', () => {
  it('wasm without the native kernels: one line with why, the measured slowdown, where it was measured and the fix for npm, npm 11 and pnpm', () => {
    const line = nativeKernelWarning('wasm', undefined, missing)!;
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^warning: training on wasm without the native kernels \(not built \(\/x\/native\/build\/cdm-native\.node is missing\)\) is about 9\.1–15\.5× slower/);
    expect(line).toContain(
      '(a tiny-32 U-Net training step took 7.5 s on wasm alone, 0.5 s with the native kernels on 2 threads, measured 2026-12-07 on 2 cores: @cdm/backend-node README, "Training without the native kernels")',
    );
    expect(line).toContain(NATIVE_FIX);
    for (const fix of ['npm rebuild @cdm/backend-node', 'npm install-scripts approve @cdm/backend-node', 'pnpm.onlyBuiltDependencies', 'pnpm approve-builds']) expect(line).toContain(fix);
    expect(line).not.toContain(NATIVE_BUILD_HINT); // said once, as the fix
    expect(NATIVE_SLOWDOWN).toBe('9.1–15.5×');
  });

  it('turned off with CDM_NATIVE=0: says so and how to turn them back on', () => {
    const line = nativeKernelWarning('wasm', undefined, { available: false, reason: 'turned off by CDM_NATIVE=0' })!;
    expect(line).toMatch(/\(turned off by CDM_NATIVE=0\) is about 9\.1–15\.5× slower .*; unset CDM_NATIVE to use them; `cdm info` shows their state$/);
  });

  it('nothing to say when the kernels run, or on another backend', () => {
    const addon = { available: true, addon: {} as NativeAddon, isa: 'avx2', path: '/x' } as const;
    expect(nativeKernelWarning('wasm', 2, addon)).toBeUndefined();
    expect(nativeKernelWarning('cpu', undefined, missing)).toBeUndefined();
    expect(nativeKernelWarning('tensorflow', undefined, missing)).toBeUndefined();
    expect(nativeKernelWarning('wasm', undefined, addon)).toMatch(/\(built but not registered for the wasm backend\)/);
  });
});

describe('the numbers the warning cites are those of the documents it names', () => {
  const { tiny32, reducedUNet } = NATIVE_MEASUREMENT;
  const section = (() => {
    const readme = read('packages/backend-node/README.md');
    const start = readme.indexOf('### Training without the native kernels\n');
    expect(start, 'packages/backend-node/README.md has a "### Training without the native kernels" section').toBeGreaterThan(-1);
    const end = readme.indexOf('\n#', start + 1);
    return readme.slice(start, end === -1 ? undefined : end);
  })();

  it("@cdm/backend-node's README section states every figure, with the run's date and commit", () => {
    const rows = section.split('\n').filter((l) => l.startsWith('| '));
    const row = (name: string) => rows.find((l) => l.startsWith(`| ${name}`)) ?? '';
    expect(row('`tiny-32`')).toContain(`| ${grouped(tiny32.wasmAlone1Thread)} | ${grouped(tiny32.native1Thread)} | ${grouped(tiny32.native2Threads)} | ${(tiny32.wasmAlone1Thread / tiny32.native2Threads).toFixed(1)}× |`);
    expect(row('reduced U-Net')).toContain(
      `| ${grouped(reducedUNet.wasmAlone1Thread)} | ${grouped(reducedUNet.native1Thread)} | ${grouped(reducedUNet.native2Threads)} | ${(reducedUNet.wasmAlone1Thread / reducedUNet.native2Threads).toFixed(1)}× |`,
    );
    expect(section).toContain(NATIVE_MEASUREMENT.date);
    expect(section).toContain(NATIVE_MEASUREMENT.machine);
    expect(section).toContain(NATIVE_MEASUREMENT.commit === undefined ? 'BENCHMARKS.md' : `commit \`${NATIVE_MEASUREMENT.commit}\``);
  });

  it('the READMEs quote the warning and the slowdown as the code has them', () => {
    const cli = read('apps/cli/README.md');
    const shown = nativeKernelWarning('wasm', undefined, { available: false, reason: 'not built (…/cdm-native.node is missing)' })!;
    expect(cli.split('\n')).toContain(shown);
    expect(cli).toContain(`${NATIVE_SLOWDOWN} faster with them`);
    expect(read('packages/backend-node/README.md')).toContain(`training runs ${NATIVE_SLOWDOWN} slower`);
  });

  it("the BENCHMARKS.md the README cites (in git history at the commit named) has those train-step times, written by the same run", (context) => {
    let benchmarks: string;
    if (NATIVE_MEASUREMENT.commit === undefined) benchmarks = read('BENCHMARKS.md');
    else {
      try {
        benchmarks = execFileSync('git', ['show', `${NATIVE_MEASUREMENT.commit}:BENCHMARKS.md`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch {
        context.skip(`commit ${NATIVE_MEASUREMENT.commit} is not in this clone's history (shallow clone, or no git)`);
        return;
      }
    }
    expect(benchmarks).toContain(`Written by \`npm run bench\` in packages/backend-node on ${NATIVE_MEASUREMENT.date}.`);
    // Each table row: | backend | parameters | forward ms | train step ms | …
    const trainStep = (heading: string, backend: RegExp) => {
      const start = benchmarks.indexOf(heading);
      expect(start, heading).toBeGreaterThan(-1);
      const table = benchmarks.slice(start, benchmarks.indexOf('\n## ', start + 1) >>> 0);
      const row = table.split('\n').find((l) => backend.test(l));
      expect(row, `${heading}: a row for ${backend}`).toBeDefined();
      return Number(row!.split('|')[4]!.trim());
    };
    for (const [heading, net] of [['## @cdm/unet tiny-32', tiny32], ['## reduced U-Net', reducedUNet]] as const) {
      expect(trainStep(heading, /^\| wasm alone \(native kernels off\), 1 thread \|/), heading).toBe(net.wasmAlone1Thread);
      expect(trainStep(heading, /^\| wasm \+ native kernels \(\w+\), 1 thread \|/), heading).toBe(net.native1Thread);
      expect(trainStep(heading, /^\| wasm \+ native kernels \(\w+\), 2 threads \|/), heading).toBe(net.native2Threads);
    }
  });
});

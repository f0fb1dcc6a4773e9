// node bench/threads.mjs [--threads 1,2] [--rounds 3] [--runs 9] (after `npm run build`): times a 3×3
// convolution forward pass, [16,32,32,64] → 64 channels, on the wasm backend with 1 and with n
// XNNPACK threads (the experimental `wasmBackend({ threads })`). Each thread count runs in its own
// process (the threaded build replaces tfjs' process-wide wasm backend); processes alternate over
// `rounds` rounds so that a change in the machine's load hits every count alike. Prints JSON.
// bench/run.mjs imports measureWasmThreads() to put the table into BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const SHAPE = [16, 32, 32, 64];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One process: `runs` timed convolutions after a warm-up; returns { threads, ms: [...], cpuPerWall }. */
async function child(threads, runs) {
  const tf = await import('@tensorflow/tfjs-core');
  const { wasmBackend, wasmThreadsCount } = await import('@cdm/backend-node');
  const warnings = [];
  await wasmBackend({ threads, native: false, warn: (m) => warnings.push(m) }).init(); // XNNPACK's pool is what is timed
  const x = tf.randomNormal(SHAPE, 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, SHAPE[3], 64], 0, 0.1, 'float32', 2);
  const once = () => {
    const t0 = performance.now();
    const y = tf.conv2d(x, w, 1, 'same');
    y.dataSync();
    y.dispose();
    return performance.now() - t0;
  };
  once();
  once();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const ms = Array.from({ length: runs }, once);
  const cpu = process.cpuUsage(cpu0);
  return { threads: wasmThreadsCount() ?? 1, warnings, ms, cpuPerWall: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0) };
}

/** Runs the comparison in child processes; returns { shape, load, rows: [{ threads, medianMs, ... }] }. */
export function measureWasmThreads({ threads = [1, 2], rounds = 3, runs = 9 } = {}) {
  const script = fileURLToPath(import.meta.url);
  const loadBefore = os.loadavg();
  const byCount = new Map(threads.map((n) => [n, []]));
  for (let round = 0; round < rounds; round++) {
    for (const n of threads) {
      const out = execFileSync(process.execPath, [script, '--child', String(n), '--runs', String(runs)], { encoding: 'utf8', env: { ...process.env, CDM_WASM_THREADS: '' }, timeout: 300_000 });
      byCount.get(n).push(JSON.parse(out.trim().split('\n').at(-1)));
    }
  }
  const rows = threads.map((n) => {
    const reports = byCount.get(n);
    const all = reports.flatMap((r) => r.ms);
    return {
      requested: n,
      threads: reports[0].threads,
      warnings: [...new Set(reports.flatMap((r) => r.warnings))],
      medianMs: median(all),
      minMs: Math.min(...all),
      medianPerRound: reports.map((r) => median(r.ms)),
      cpuPerWall: median(reports.map((r) => r.cpuPerWall)),
    };
  });
  const flops = 2 * SHAPE[0] * SHAPE[1] * SHAPE[2] * 64 * 9 * SHAPE[3];
  for (const row of rows) row.gflops = flops / row.medianMs / 1e6;
  return { shape: SHAPE, runs: rounds * runs, loadBefore, loadAfter: os.loadavg(), cores: os.cpus().length, rows };
}

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (args.child) {
    console.log(JSON.stringify(await child(Number(args.child), Number(args.runs ?? 9))));
  } else {
    const threads = (args.threads ?? '1,2').split(',').map(Number);
    console.log(JSON.stringify(measureWasmThreads({ threads, rounds: Number(args.rounds ?? 3), runs: Number(args.runs ?? 9) }), null, 1));
  }
}

// npm run bench:queue -w @cdm/cli (after `npm run build`): the throughput of `cdm eval --queue` with 1, 2, …
// `cdm worker` processes on this machine, and what N machines would give at the measured rate per worker.
// A throwaway Redis (Debian's redis-server) on 127.0.0.1; the workers and the coordinator are the built
// bin, as a user runs them. Each worker gets cores / workers native-kernel threads (CDM_NATIVE_THREADS),
// so every row uses the whole machine. The rate is images per second of the sampling phase (enqueue
// to the last chunk gathered); features and metrics come after and do not depend on the workers.
// Run it on an idle machine: the load average is recorded with each row.
//
// Options: --n 2000 --workers 1,2 --batch 16 --chunk-size 16 --cascade <cascade.json> (default: the demo)
//          --out FILE (default apps/cli/BENCHMARKS.md: this section is replaced, the rest kept)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceSection } from './section.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((p, a, i, all) => (a.startsWith('--') ? [...p, [a.slice(2), all[i + 1]]] : p), []));
const n = Number(args.n ?? 2000);
const workerCounts = String(args.workers ?? '1,2').split(',').map(Number);
const batch = Number(args.batch ?? 16);
const chunkSize = Number(args['chunk-size'] ?? 16);
const out = args.out ?? fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const cores = os.cpus().length;
const cascadeArgs = args.cascade === undefined ? ['--demo'] : [args.cascade];

if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.error('bench:queue needs redis-server (Debian: sudo apt-get install -y redis-server, or node scripts/ensure-redis.mjs as root)');
  process.exit(2);
}

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const scratch = await mkdtemp(join(os.tmpdir(), 'cdm-queue-bench-'));
const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', scratch], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let text = '';
  redis.stdout.on('data', (d) => {
    text += d;
    if (text.includes('Ready to accept connections')) resolve();
  });
  redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
});
const url = `redis://127.0.0.1:${port}`;

/** Runs the bin to the end; resolves with its exit code and output. */
function run(argv, env = {}) {
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { child, done: new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr }))) };
}

const rows = [];
let inProcess;
try {
  // The same evaluation in one process (no queue, no workers): what the queue's overhead is measured against.
  {
    const report = join(scratch, 'eval-local.json');
    const load = os.loadavg()[0];
    console.log(`in process: cdm eval --n ${n} …`);
    const started = performance.now();
    const result = await run(['eval', ...cascadeArgs, '--n', String(n), '--batch', String(batch), '--metrics', 'fid,kid', '--bootstrap', '0', '--seed', '1', '--out', report, '--json', '--quiet']).done;
    const wall = (performance.now() - started) / 1000;
    if (result.code !== 0) throw new Error(`cdm eval exited ${result.code}:\n${result.stderr}`);
    const json = JSON.parse(await readFile(report, 'utf8'));
    inProcess = { sampling: json.seconds.sampling, total: wall, rate: n / json.seconds.sampling, fid: json.metrics.fid.value, load, loadAfter: os.loadavg()[0] };
    console.log(`  sampling ${inProcess.sampling.toFixed(1)} s (${inProcess.rate.toFixed(2)} images/s), whole command ${wall.toFixed(1)} s, FID ${inProcess.fid.toFixed(2)}`);
  }
  for (const count of workerCounts) {
    const threads = Math.max(1, Math.floor(cores / count));
    const workers = Array.from({ length: count }, () => run(['worker', '--queue', url, '--quiet'], { CDM_NATIVE_THREADS: String(threads) }));
    const load = os.loadavg()[0];
    const report = join(scratch, `eval-${count}.json`);
    console.log(`${count} worker(s), ${threads} native thread(s) each: cdm eval --n ${n} …`);
    const started = performance.now();
    const coordinator = run(['eval', ...cascadeArgs, '--n', String(n), '--batch', String(batch), '--metrics', 'fid,kid', '--bootstrap', '0', '--seed', '1',
      '--queue', url, '--chunk-size', String(chunkSize), '--shared-dir', join(scratch, 'shared'), '--out', report, '--json', '--quiet']);
    const result = await coordinator.done;
    const wall = (performance.now() - started) / 1000;
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
    if (result.code !== 0) throw new Error(`cdm eval --queue exited ${result.code}:\n${result.stderr}`);
    const json = JSON.parse(await readFile(report, 'utf8'));
    const rate = n / json.seconds.sampling;
    rows.push({ count, threads, sampling: json.seconds.sampling, total: wall, rate, perWorker: rate / count, fid: json.metrics.fid.value, load, loadAfter: os.loadavg()[0] });
    console.log(`  sampling ${json.seconds.sampling.toFixed(1)} s (${rate.toFixed(2)} images/s), whole command ${wall.toFixed(1)} s, FID ${json.metrics.fid.value.toFixed(2)}`);
  }
} finally {
  redis.kill('SIGTERM');
  await new Promise((resolve) => redis.once('exit', resolve));
  await rm(scratch, { recursive: true, force: true });
}

const one = rows.find((r) => r.count === 1);
const best = rows.reduce((a, b) => (b.rate > a.rate ? b : a));
const lines = [
  '## Evaluation on a queue',
  '',
  `Written by \`npm run bench:queue -w @cdm/cli\` (apps/cli/bench/queue-eval.mjs) on ${new Date().toISOString().slice(0, 10)}. Do not edit by hand.`,
  '',
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}. Redis ${spawnSync('redis-server', ['--version']).stdout.toString().match(/v=(\S+)/)?.[1] ?? '?'} on 127.0.0.1; the shared directory on the local disk.`,
  '',
  `\`cdm eval ${cascadeArgs.join(' ')} --n ${n} --batch ${batch} --metrics fid,kid --queue … --chunk-size ${chunkSize}\` with its samples drawn by \`cdm worker\` processes on this machine, each with cores ÷ workers native-kernel threads. "Sampling" runs from enqueueing to the last chunk gathered; the whole command adds loading, features and metrics. FID is the same in every row (the same samples; with \`--batch\` equal to \`--chunk-size\` the queued rows equal the in-process one to the bit).`,
  '',
  '| workers × threads | sampling s | images/s | per worker | whole command s | FID | load (1 min) before → after |',
  '|---|---|---|---|---|---|---|',
  `| in process, no queue (${cores} threads) | ${inProcess.sampling.toFixed(1)} | **${inProcess.rate.toFixed(2)}** | | ${inProcess.total.toFixed(1)} | ${inProcess.fid.toFixed(3)} | ${inProcess.load.toFixed(1)} → ${inProcess.loadAfter.toFixed(1)} |`,
  ...rows.map((r) => `| ${r.count} × ${r.threads} | ${r.sampling.toFixed(1)} | **${r.rate.toFixed(2)}** | ${r.perWorker.toFixed(2)} | ${r.total.toFixed(1)} | ${r.fid.toFixed(3)} | ${r.load.toFixed(1)} → ${r.loadAfter.toFixed(1)} |`),
  '',
  `With N machines like this one, each running the best row's workers (${best.count} × ${best.threads}), sampling would reach about N × ${best.rate.toFixed(2)} images/s while Redis and the shared directory keep up (a chunk of ${chunkSize} images is one job and one file): 50,000 samples, the papers' FID, in about ${(50000 / best.rate / 3600).toFixed(1)} h on one machine, ${(50000 / best.rate / 3600 / 10).toFixed(2)} h on 10${one === undefined ? '' : `; one worker alone gives ${one.rate.toFixed(2)} images/s`}.`,
  '',
];
let existing = '';
try {
  existing = await readFile(out, 'utf8');
} catch {
  // a new file
}
await writeFile(out, replaceSection(existing, 'queue-eval', lines.join('\n')));
console.log(`Wrote ${out}`);

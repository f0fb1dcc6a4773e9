import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdm, tempDir, writeMicroCascade } from '../testing/micro-cascade';
import { freePort, redisUnavailable, startTestRedis, type TestRedis } from '../testing/redis-server';

const bin = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const why = redisUnavailable() ?? (existsSync(bin) ? undefined : 'apps/cli/dist/cli.js does not exist; run `npm run build` first');
/** Short locks so that a killed worker's chunk goes to another worker within seconds. */
const LOCK_MS = '3000';

/** A `cdm worker` process; its output is collected, and the test kills only the processes it started. */
interface WorkerProcess {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

const started: WorkerProcess[] = [];
/** Coordinator processes, killed after the tests if a failure left one running. */
const coordinators: ChildProcess[] = [];

/**
 * Starts a worker. `lockMs`: the short LOCK_MS where a test kills a worker; the default (30 s) elsewhere,
 * so that a worker slowed by a loaded machine keeps its chunk (with a lock that lapses mid-chunk, BullMQ
 * hands the chunk to another worker too, and it is sampled twice: the same bytes, but twice the work).
 */
function startWorker(url: string, extra: readonly string[] = [], lockMs: string | undefined = undefined): WorkerProcess {
  const child = spawn(process.execPath, [bin, 'worker', ...extra, '--queue', url, ...(lockMs === undefined ? [] : ['--lock-duration', lockMs]), '--backend', 'tfjs-cpu'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const worker: WorkerProcess = { child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (data: Buffer) => void (worker.output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => void (worker.output += data.toString()));
  started.push(worker);
  return worker;
}

async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

const until = async (what: string, check: () => boolean, timeoutMs = 120_000) => {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
};

/** Runs the built bin to the end (a coordinator process), like `cdm()` does in this process. */
function runBin(argv: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; json: () => ReturnType<typeof JSON.parse> }> {
  const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  coordinators.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => void (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => void (stderr += data.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) })));
}

async function pngsOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name))] as const)));
}

describe('cdm sample --queue: Redis unreachable', () => {
  it('fails within seconds with a coded error, for the coordinator and for a worker', async () => {
    const dir = await tempDir('cdm-queue-down-');
    const manifest = await writeMicroCascade(dir);
    const url = `redis://127.0.0.1:${await freePort()}`;
    const sample = await cdm(['sample', manifest, '--n', '2', '--steps', '1', '--queue', url, '--out', join(dir, 'g.png'), '--backend', 'tfjs-cpu']);
    expect(sample.code).toBe(8);
    expect(sample.stderr).toContain(`cdm: Redis at ${url} is not reachable: ECONNREFUSED. Start Redis there`);
    expect(sample.stderr).toContain('[CDM_NOT_AVAILABLE]');
    const worker = await cdm(['worker', '--queue', url]);
    expect(worker.code).toBe(8);
    expect(worker.stderr).toContain('is not reachable: ECONNREFUSED');
  }, 120_000); // the hang guard: the probe gives up after 3 s
});

describe('cdm eval --queue: flags', () => {
  it('refuses --handover and --save-handover with --queue, and --chunk-size or --shared-dir without it, before anything loads', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const handover = await cdm(['eval', '--demo', '--queue', url, '--handover', 'h.safetensors']);
    expect(handover.code).toBe(2);
    expect(handover.stderr).toContain('--handover');
    expect(handover.stderr).toContain('[CDM_INVALID_ARGUMENT]');
    const save = await cdm(['eval', '--demo', '--queue', url, '--save-handover', 'h.safetensors']);
    expect(save.code).toBe(2);
    expect(save.stderr).toContain('--save-handover');
    const chunk = await cdm(['eval', '--demo', '--chunk-size', '4']);
    expect(chunk.code).toBe(2);
    expect(chunk.stderr).toContain('a --queue to go with it');
  });
});

describe.skipIf(!existsSync(bin))('cdm sample without --queue', () => {
  it('does not import bullmq or ioredis (they load only with --queue and in cdm worker)', async () => {
    const dir = await tempDir('cdm-queue-lazy-');
    const manifest = await writeMicroCascade(dir);
    // A module-resolution hook that reports every import of the queue packages.
    await writeFile(join(dir, 'hook.mjs'), "export async function resolve(s, c, next) { if (s === 'bullmq' || s === 'ioredis') process.stderr.write(`IMPORTED ${s}\\n`); return next(s, c); }\n");
    await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hook.mjs')).href)});\n`);
    const run = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), bin, 'sample', manifest, '--n', '1', '--steps', '1', '--out', join(dir, 'g.png'), '--backend', 'tfjs-cpu'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('IMPORTED');
    const probe = spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), '--input-type=module', '-e', "await import('bullmq')"], { cwd: dirname(bin), encoding: 'utf8' });
    expect(probe.stderr).toContain('IMPORTED bullmq'); // the hook does see the import when it happens
  }, 60_000);
});

describe.skipIf(why !== undefined)(`cdm sample --queue with cdm worker processes${why === undefined ? '' : ` (skipped: ${why})`}`, () => {
  let redis: TestRedis;
  let dir: string;
  let manifest: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    dir = await tempDir('cdm-queue-');
    manifest = await writeMicroCascade(dir);
  }, 60_000);

  afterAll(async () => {
    for (const child of coordinators) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stopWorkers(started.filter((w) => w.child.exitCode === null && w.child.signalCode === null));
    await redis?.stop();
  }, 60_000);

  it('1 coordinator and 3 worker processes, one worker killed with SIGKILL mid-chunk: the grid and PNGs are the bytes of the in-process cdm sample', async () => {
    const args = ['--n', '9', '--seed', '11', '--steps', '2,1', '--batch', '1', '--backend', 'tfjs-cpu'];
    const local = await cdm(['sample', manifest, ...args, '--out', join(dir, 'local.png'), '--out-dir', join(dir, 'local')]);
    expect(local.code, local.stderr).toBe(0);

    const workers = [startWorker(redis.url, [], LOCK_MS), startWorker(redis.url, [], LOCK_MS), startWorker(redis.url, [], LOCK_MS)];
    const coordinator = runBin(['sample', manifest, ...args, '--queue', redis.url, '--chunk-size', '3', '--shared-dir', join(dir, 'shared'), '--out', join(dir, 'queued.png'), '--out-dir', join(dir, 'queued'), '--json']);
    // The first worker to take a chunk is killed as soon as it says so, while it samples it (3 sequential batches of 1 image).
    let victim: WorkerProcess | undefined;
    for (const w of workers) {
      w.child.stdout!.on('data', () => {
        if (victim === undefined && / taken/.test(w.output)) {
          victim = w;
          w.child.kill('SIGKILL');
        }
      });
    }
    await until('a chunk to be taken', () => victim !== undefined);
    const chunk = /Chunk (\S+): images \S+ taken/.exec(victim!.output)![1]!;
    const result = await coordinator;
    expect(result.code, result.stderr).toBe(0);
    expect(await victim!.exited).toBe(null);
    expect(victim!.output).not.toMatch(new RegExp(`Chunk ${chunk}: .* written`));
    // Another worker took the killed worker's chunk again (BullMQ's stalled-job check) and finished it.
    const others = workers.filter((w) => w !== victim);
    expect(others.some((w) => new RegExp(`Chunk ${chunk}: .* written`).test(w.output)), others.map((w) => w.output).join('\n---\n')).toBe(true);
    expect(result.json()).toMatchObject({ ok: true, images: 9, queue: { url: redis.url, chunks: 3, chunkSize: 3, resumed: 0, queued: 3 } });

    expect((await readFile(join(dir, 'queued.png'))).equals(await readFile(join(dir, 'local.png')))).toBe(true);
    const queued = await pngsOf(join(dir, 'queued'));
    const expected = await pngsOf(join(dir, 'local'));
    expect([...queued.keys()]).toEqual([...expected.keys()]);
    for (const [name, bytes] of expected) expect(queued.get(name)!.equals(bytes), name).toBe(true);
    // Finished runs leave nothing in the shared directory.
    expect(await readdir(join(dir, 'shared'))).toEqual([]);

    // SIGTERM stops a worker cleanly.
    await stopWorkers(others);
    for (const w of others) {
      expect(await w.exited, w.output).toBe(0);
      expect(w.output).toMatch(/Worker \S+ stopped/);
    }
  }, 240_000);

  it('a coordinator killed and started again resumes gathering: finished chunks are kept and not sampled again', async () => {
    const args = ['--n', '6', '--seed', '21', '--steps', '1', '--backend', 'tfjs-cpu'];
    const local = await cdm(['sample', manifest, ...args, '--out', join(dir, 'local-r.png')]);
    expect(local.code, local.stderr).toBe(0);
    const queueArgs = [...args, '--queue', redis.url, '--chunk-size', '2', '--shared-dir', join(dir, 'shared'), '--out', join(dir, 'resumed.png')];
    const first = spawn(process.execPath, [bin, 'sample', manifest, ...queueArgs], { stdio: ['ignore', 'pipe', 'ignore'] });
    let firstOutput = '';
    first.stdout.on('data', (data: Buffer) => void (firstOutput += data.toString()));
    const firstExited = new Promise((resolve) => first.once('exit', resolve));
    await until('the chunks to be queued', () => /start workers/.test(firstOutput));
    first.kill('SIGKILL');
    await firstExited;
    // A worker finishes at least one chunk while no coordinator runs, then stops.
    const worker = startWorker(redis.url);
    await until('a chunk to be written', () => / written/.test(worker.output));
    await stopWorkers([worker]);
    const again = cdm(['sample', manifest, ...queueArgs]);
    const another = startWorker(redis.url);
    const result = await again;
    expect(result.code, result.stderr).toBe(0);
    // The restarted coordinator queued nothing: the finished chunks were kept, the others were still queued.
    const [, done, waiting] = /Run [0-9a-f]{16} on redis:\/\/127\.0\.0\.1:\d+: 3 chunks of up to 2 images, ([123]) already done(?:, (\d) still queued)?;/.exec(result.stdout) ?? [];
    expect(Number(done) + Number(waiting ?? 0), result.stdout).toBe(3);
    // Progress across workers: images done, rate and ETA.
    expect(result.stderr).toMatch(/sampling on redis:\/\/127\.0\.0\.1:\d+: 6\/6 images \([\d.]+ images\/s, ETA (?:[\d.]+s|\?)/);
    expect((await readFile(join(dir, 'resumed.png'))).equals(await readFile(join(dir, 'local-r.png')))).toBe(true);
    await stopWorkers([another]);
    // Each of the 3 chunks was sampled once.
    expect(`${worker.output}${another.output}`.match(/ written/g)).toHaveLength(3);
  }, 240_000);

  it('Redis going away mid-run: the command exits with a coded error within seconds, not a hang', async () => {
    const own = await startTestRedis();
    const child = spawn(process.execPath, [bin, 'sample', manifest, '--n', '2', '--seed', '9', '--steps', '1', '--queue', own.url, '--shared-dir', join(dir, 'shared'), '--out', join(dir, 'gone.png'), '--backend', 'tfjs-cpu'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => void (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => void (output += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until('the chunks to be queued', () => /start workers/.test(output)); // no workers: it waits
      await own.stop();
      expect(await exited, output).toBe(8);
      expect(output).toContain(`cdm: Redis at ${own.url} is not reachable: `);
      expect(output).toContain('[CDM_NOT_AVAILABLE]');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await own.stop();
    }
  }, 120_000);

  it('cdm eval --queue with 2 workers: the samples, and so every metric and the colour shift, are those of the in-process cdm eval', async () => {
    const args = ['--n', '8', '--batch', '4', '--seed', '5', '--steps', '2', '--metrics', 'fid,kid,pr', '--k', '2', '--kid-subset-size', '4', '--bootstrap', '10', '--backend', 'tfjs-cpu', '--cache-dir', join(dir, 'eval-cache'), '--json'];
    const local = await cdm(['eval', manifest, ...args, '--out', join(dir, 'local-eval.json')]);
    expect(local.code, local.stderr).toBe(0);
    const workers = [startWorker(redis.url), startWorker(redis.url)];
    const queued = await cdm(['eval', manifest, ...args, '--queue', redis.url, '--chunk-size', '4', '--shared-dir', join(dir, 'shared-eval'), '--out', join(dir, 'queued-eval.json')]);
    expect(queued.code, queued.stderr).toBe(0);
    await stopWorkers(workers);
    const mine = queued.json();
    const theirs = local.json();
    expect(mine.queue).toMatchObject({ url: redis.url, chunks: 2, chunkSize: 4, resumed: 0, queued: 2 });
    expect(theirs.queue).toBeUndefined();
    expect(theirs.metrics.fid.value).toBeGreaterThan(0);
    expect(mine.metrics).toEqual(theirs.metrics); // FID, KID, precision/recall, per-class accuracy, colour shift: bit for bit
    expect(mine.metrics.colourShift.channels).toHaveLength(3);
    // Both workers sampled: the work was shared.
    for (const w of workers) expect(w.output, w.output).toMatch(/Chunk \S+: images \d+…\d+ written/);
    expect(await readdir(join(dir, 'shared-eval'))).toEqual([]);
  }, 240_000);

  it('a worker whose cascade differs refuses the chunk with a coded error; a right one then finishes the run', async () => {
    const otherDir = await tempDir('cdm-queue-other-');
    const other = await writeMicroCascade(otherDir, { name: 'micro-retrained' });
    const coordinator = cdm(['sample', manifest, '--n', '2', '--seed', '3', '--steps', '1', '--queue', redis.url, '--shared-dir', join(dir, 'shared'), '--out', join(dir, 'refused.png'), '--backend', 'tfjs-cpu', '--json']);
    const wrong = startWorker(redis.url, [other]);
    expect(await wrong.exited, wrong.output).toBe(2);
    expect(wrong.output).toMatch(/cdm: Chunk \S+ is for cascade hash [0-9a-f]{12}…, but .*cascade\.json here hashes to [0-9a-f]{12}…\. Give every worker the same cascade\.json and stage files as the coordinator .* \[CDM_CHECKPOINT_MISMATCH\]/);
    const right = startWorker(redis.url);
    const result = await coordinator;
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ ok: true, images: 2, queue: { chunks: 1 } });
    await stopWorkers([right]);
  }, 240_000);
});

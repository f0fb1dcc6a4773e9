import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadCascade, type LoadedCascade } from '@cdm/cascade';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { fileStorage, toStoragePath } from '../file-storage';
import type { CliIo } from '../io';
import { parseInteger } from '../parse-values';
import { pluginImporter } from '../plugins';
import { formatSeconds } from '../progress';
import { readJsonFile } from '../read-json';
import { cascadeHash } from '../queue/cascade-hash';
import { writeChunkFile } from '../queue/chunk-file';
import { loadBullmq } from '../queue/load-bullmq';
import { queueErrors } from '../queue/queue-errors';
import { bullmqConnection } from '../queue/redis-connection';
import { probeRedis } from '../queue/redis-probe';
import { parseRedisUrl } from '../queue/redis-url';
import { sampleChunkContents } from '../queue/sample-chunk-contents';
import { chunkFileName, runDirectory, SAMPLE_QUEUE_NAME, type SampleChunk, type SampleChunkResult } from '../queue/sample-chunk';
import type { RunState } from './index';

interface WorkerFlags extends CommonFlags {
  readonly queue?: string;
  readonly sharedDir?: string;
  readonly lockDuration?: string;
}

/** How long a worker holds a chunk without renewing its lock before BullMQ hands the chunk to another worker. */
export const DEFAULT_LOCK_MS = 30_000;

export function registerWorker(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('worker'))
    .description('take chunks of `cdm sample --queue` and `cdm eval --queue` runs from Redis and sample them, until Ctrl-C or SIGTERM')
    .argument('[cascade]', "this machine's copy of the cascade.json (default: the path each chunk names)")
    .requiredOption('--queue <url>', 'the Redis the coordinator uses, e.g. redis://127.0.0.1:6379')
    .option('--shared-dir <dir>', "this machine's path of the coordinator's --shared-dir (default: the path each chunk names)")
    .option('--lock-duration <ms>', `how long a chunk stays locked without a renewal before another worker retries it (default ${DEFAULT_LOCK_MS})`)
    .action(async (cascade: string | undefined, flags: WorkerFlags) => {
      state.exitCode = await runWorker(createContext(io, flags, { gradients: false }), cascade, flags);
    });
}

async function runWorker(ctx: CommandContext, cascadeArg: string | undefined, flags: WorkerFlags): Promise<number> {
  const address = parseRedisUrl('--queue', flags.queue!);
  const lockDuration = flags.lockDuration === undefined ? DEFAULT_LOCK_MS : parseInteger('--lock-duration', flags.lockDuration, 100);
  await probeRedis(address);
  const { Worker } = await loadBullmq();
  const { backend } = await ctx.useBackend();
  const name = `${hostname()}:${process.pid}`;
  let loaded: { key: string; hash: string; cascade: LoadedCascade } | undefined;
  let refusal: Error | undefined;

  const cascadeFor = async (chunk: SampleChunk) => {
    const path = cascadeArg === undefined ? chunk.cascade : resolve(ctx.cwd, cascadeArg);
    const key = `${path}\0${chunk.weights ?? ''}`;
    if (loaded?.key !== key) {
      loaded?.cascade.dispose();
      loaded = undefined;
      await readJsonFile(path, 'cascade.json');
      const cascade = await loadCascade(fileStorage(), toStoragePath(path), {
        registries: ctx.registries,
        importPlugin: pluginImporter(dirname(path), ctx.cwd),
        ...(chunk.weights === undefined ? {} : { weights: chunk.weights }),
      });
      loaded = { key, hash: await cascadeHash(path, cascade.manifest), cascade };
      ctx.say(`Loaded ${path} on ${backend.name}`);
    }
    return { path, ...loaded };
  };

  const stopped = new Promise<void>((resolveStop) => {
    if (ctx.io.signal?.aborted === true) resolveStop();
    ctx.io.signal?.addEventListener('abort', () => resolveStop(), { once: true });
  });
  let refuse: () => void = () => {};
  const refused = new Promise<void>((resolveRefusal) => (refuse = resolveRefusal));

  const worker = new Worker<SampleChunk, SampleChunkResult>(
    SAMPLE_QUEUE_NAME,
    async (job) => {
      const chunk = job.data;
      const { path, hash, cascade } = await cascadeFor(chunk);
      if (hash !== chunk.cascadeHash) {
        // Refuse, and stop taking chunks: the job goes back for a worker with the right files (its retries allow it).
        refusal = queueErrors.cascadeMismatch(job.id!, path, chunk.cascadeHash, hash);
        refuse();
        throw refusal;
      }
      const last = chunk.first + chunk.count - 1;
      ctx.say(`Chunk ${job.id}: images ${chunk.first}…${last} taken`);
      const started = performance.now();
      const sampled = await sampleChunkContents(cascade.cascade, chunk);
      const dir = runDirectory(flags.sharedDir === undefined ? chunk.sharedDir : resolve(ctx.cwd, flags.sharedDir), chunk.runId);
      await mkdir(dir, { recursive: true });
      const file = join(dir, chunkFileName(chunk.first));
      await writeChunkFile(file, chunk.first, sampled);
      ctx.say(`Chunk ${job.id}: images ${chunk.first}…${last} written in ${formatSeconds((performance.now() - started) / 1000)}`);
      return { file, stageMs: sampled.stageMs, worker: name };
    },
    { connection: bullmqConnection(address), concurrency: 1, lockDuration, stalledInterval: lockDuration, autorun: false },
  );
  worker.on('error', (error) => ctx.io.stderr.write(`cdm worker: ${error.message}\n`));
  void worker.run();
  ctx.say(`Worker ${name} waiting for chunks on ${address.display} (queue ${SAMPLE_QUEUE_NAME}); Ctrl-C or SIGTERM stops it after the current chunk`);
  try {
    await Promise.race([stopped, refused]);
  } finally {
    await worker.close(); // waits for the chunk in hand: its file is written and the job completed
    loaded?.cascade.dispose();
  }
  if (refusal !== undefined) throw refusal;
  ctx.say(`Worker ${name} stopped`);
  ctx.result({ ok: true, worker: name });
  return 0;
}

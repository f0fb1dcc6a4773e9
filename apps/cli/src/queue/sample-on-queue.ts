import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, isCdmError } from '@cdm/core';
import type { CascadeManifest, StageSampleParams } from '@cdm/cascade';
import type { CommandContext } from '../context';
import { cascadeHash } from './cascade-hash';
import { readChunkFile, type ChunkContents } from './chunk-file';
import { loadBullmq } from './load-bullmq';
import { queueErrors } from './queue-errors';
import { bullmqConnection } from './redis-connection';
import { probeRedis } from './redis-probe';
import type { RedisAddress } from './redis-url';
import { chunkFileName, chunkJobId, chunkStarts, runDirectory, sampleRunId, SAMPLE_QUEUE_NAME, type ChunkKind, type SampleChunk, type SampleChunkResult } from './sample-chunk';

export interface QueueSampleOptions {
  /** What the workers write for each chunk: `cdm sample`'s 8-bit images or `cdm eval`'s float values. */
  readonly kind: ChunkKind;
  readonly address: RedisAddress;
  readonly manifestPath: string;
  readonly manifest: CascadeManifest;
  readonly weights?: 'ema' | 'model';
  readonly seed: number;
  readonly n: number;
  readonly labels: readonly number[] | undefined;
  readonly stages: readonly StageSampleParams[];
  readonly batch: number;
  readonly chunkSize: number;
  readonly sharedDir: string;
  /** Receives the chunks in image order, each once. */
  readonly onChunk: (first: number, chunk: ChunkContents) => Promise<void>;
}

export interface QueueSampleSummary {
  readonly runId: string;
  readonly chunks: number;
  /** Chunks already in the shared directory when the command started (a restarted coordinator). */
  readonly resumed: number;
  /** Chunks this command put on the queue (the others were done, or still queued by an earlier coordinator of the run). */
  readonly queued: number;
}

/** How often the coordinator looks for finished chunk files, and for failed chunks. */
const POLL_MS = 250;
const FAILURE_CHECK_MS = 1000;
/** A Redis call that takes longer than this means Redis went away. */
const REDIS_CALL_TIMEOUT_MS = 10_000;
/** How long closing the queue may wait for Redis. */
const CLOSE_TIMEOUT_MS = 2000;
/** Tries a chunk gets on the workers (a refusing worker uses one up). */
const CHUNK_ATTEMPTS = 3;

/**
 * The coordinator of `cdm sample --queue` and `cdm eval --queue`: enqueues the run's chunks on BullMQ (those whose files are
 * not in the shared directory yet), waits with progress and ETA while workers sample them, and hands
 * each chunk's images to `onChunk` in order. The same command restarted finds its run again (the
 * run id is a hash of the cascade and the settings) and gathers what is done instead of sampling it again.
 */
export async function sampleOnQueue(ctx: CommandContext, options: QueueSampleOptions): Promise<QueueSampleSummary> {
  const { address, n, chunkSize } = options;
  await probeRedis(address);
  const { Queue } = await loadBullmq();
  const hash = await cascadeHash(options.manifestPath, options.manifest);
  const labels = options.labels ?? null;
  const runId = sampleRunId({ kind: options.kind, cascadeHash: hash, ...(options.weights === undefined ? {} : { weights: options.weights }), seed: options.seed, n, labels, stages: options.stages, chunkSize, batch: options.batch });
  const dir = runDirectory(options.sharedDir, runId);
  await mkdir(dir, { recursive: true });
  const starts = chunkStarts(n, chunkSize);
  const countOf = (first: number) => Math.min(chunkSize, n - first);

  let lastRedisError: string | undefined;
  const queue = new Queue<SampleChunk, SampleChunkResult>(SAMPLE_QUEUE_NAME, { connection: bullmqConnection(address, { reconnectFor: REDIS_CALL_TIMEOUT_MS }) });
  queue.on('error', (error) => (lastRedisError = error.message));
  const redis = async <T>(call: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(queueErrors.redisUnreachable(address.display, `no reply within ${REDIS_CALL_TIMEOUT_MS / 1000} s${lastRedisError === undefined ? '' : ` (${lastRedisError})`}`)), REDIS_CALL_TIMEOUT_MS);
    });
    try {
      return await Promise.race([call, timeout]);
    } catch (error) {
      // The calls made here fail only when Redis does ("Connection is closed." once the client gives up reconnecting).
      throw isCdmError(error) ? error : queueErrors.redisUnreachable(address.display, error instanceof Error ? error.message.replace(/\.$/, '') : String(error));
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    const present = new Set(await readdir(dir));
    const pending = new Set(starts.filter((first) => !present.has(chunkFileName(first))));
    const resumed = starts.length - pending.size;
    const toAdd: number[] = [];
    for (const first of pending) {
      const job = await redis(queue.getJob(chunkJobId(runId, first)));
      const state = job === undefined ? undefined : await redis(job.getState());
      if (job !== undefined && (state === 'completed' || state === 'failed')) await redis(job.remove()); // finished before, but its file is gone: again
      else if (job !== undefined) continue; // still queued or running from the coordinator before this one
      toAdd.push(first);
    }
    await redis(queue.addBulk(toAdd.map((first) => ({
      name: 'sample-chunk',
      data: {
        runId,
        kind: options.kind,
        cascade: options.manifestPath,
        cascadeHash: hash,
        ...(options.weights === undefined ? {} : { weights: options.weights }),
        seed: options.seed,
        first,
        count: countOf(first),
        classLabels: labels === null ? null : labels.slice(first, first + countOf(first)),
        stages: options.stages,
        batch: Math.min(options.batch, countOf(first)),
        sharedDir: options.sharedDir,
      },
      opts: { jobId: chunkJobId(runId, first), attempts: CHUNK_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: false },
    }))));
    const waiting = pending.size - toAdd.length; // queued by an earlier coordinator of this run, not finished yet
    ctx.say(`Run ${runId} on ${address.display}: ${starts.length} chunks of up to ${chunkSize} images${resumed > 0 ? `, ${resumed} already done` : ''}${waiting > 0 ? `, ${waiting} still queued` : ''}; start workers with \`cdm worker --queue ${address.display}\``);

    const gathered = new Map<number, ChunkContents>();
    let next = 0; // index into starts of the next chunk to hand on
    let imagesDone = starts.filter((first) => !pending.has(first)).reduce((sum, first) => sum + countOf(first), 0);
    const task = ctx.progress.start(`sampling on ${address.display}`, n, { initial: imagesDone, unit: 'images' });
    let lastFailureCheck = 0;
    let workersInfo: string | undefined;
    try {
      while (next < starts.length) {
        if (ctx.io.signal?.aborted === true) throw errors.aborted(`Gathering run ${runId} (its chunks stay queued; the same command resumes)`);
        for (const name of await readdir(dir)) {
          const first = starts.find((s) => pending.has(s) && chunkFileName(s) === name);
          if (first === undefined) continue;
          pending.delete(first);
          gathered.set(first, await readChunkFile(join(dir, name), first, countOf(first)));
          imagesDone += countOf(first);
        }
        task.update(imagesDone, workersInfo);
        for (; next < starts.length && (gathered.has(starts[next]!) || !pending.has(starts[next]!)); next++) {
          const first = starts[next]!;
          const images = gathered.get(first) ?? (await readChunkFile(join(dir, chunkFileName(first)), first, countOf(first)));
          gathered.delete(first);
          await options.onChunk(first, images);
        }
        if (next >= starts.length) break;
        if (performance.now() - lastFailureCheck > FAILURE_CHECK_MS) {
          lastFailureCheck = performance.now();
          const failed = (await redis(queue.getFailed())).find((job) => job.id !== undefined && job.id.startsWith(`${runId}-`) && pending.has(Number(job.id.slice(runId.length + 1))));
          if (failed !== undefined) throw queueErrors.chunkFailed(failed.id!, failed.failedReason);
          const workers = await redis(queue.getWorkersCount());
          workersInfo = `${workers} worker${workers === 1 ? '' : 's'}`;
        }
        await new Promise((wake) => setTimeout(wake, POLL_MS));
      }
    } finally {
      task.done();
    }
    await rm(dir, { recursive: true, force: true });
    return { runId, chunks: starts.length, resumed, queued: toAdd.length };
  } finally {
    // A clean close waits for Redis; when Redis is gone, drop the connection instead of waiting for ever.
    const closed = queue.close().then(() => true, () => false);
    if (!(await Promise.race([closed, new Promise<false>((done) => setTimeout(() => done(false), CLOSE_TIMEOUT_MS).unref())]))) void queue.disconnect().catch(() => {});
  }
}

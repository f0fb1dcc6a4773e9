import { CdmError, type CdmErrorCode } from '@cdm/core';
import { EXIT_CODE_OF } from '../exit-codes';

/** Errors of `cdm sample --queue` and `cdm worker`. Codes are core's, so scripts see one vocabulary. */
export const queueErrors = {
  /** Nothing answers at the Redis URL (refused, unknown host, or no reply in time). */
  redisUnreachable(url: string, reason: string) {
    return new CdmError(
      'CDM_NOT_AVAILABLE',
      `Redis at ${url} is not reachable: ${reason}`,
      'Start Redis there (e.g. `redis-server --port 6379`) or pass the right --queue redis://host:port',
    );
  },

  /** A chunk names a cascade whose files differ from the ones this worker reads. */
  cascadeMismatch(jobId: string, path: string, expected: string, actual: string) {
    return new CdmError(
      'CDM_CHECKPOINT_MISMATCH',
      `Chunk ${jobId} is for cascade hash ${expected.slice(0, 12)}…, but ${path} here hashes to ${actual.slice(0, 12)}…`,
      'Give every worker the same cascade.json and stage files as the coordinator (copy them, or pass the right path as `cdm worker [cascade]`)',
    );
  },

  /** A chunk that failed on a worker (after its retries). */
  chunkFailed(jobId: string, reason: string) {
    // The worker's own coded error travels as text ("… [CDM_CODE]"): keep its code, so the exit status says what failed.
    const code = /\[(CDM_[A-Z_]+)\]$/.exec(reason)?.[1];
    return new CdmError(
      code !== undefined && code in EXIT_CODE_OF ? (code as CdmErrorCode) : 'CDM_NOT_AVAILABLE',
      `Chunk ${jobId} failed on a worker: ${reason.replace(/ \[CDM_[A-Z_]+\]$/, '')}`,
      'Fix what the worker reported, then run the same command again: finished chunks are kept and not sampled again',
    );
  },

  /** The queue feature needs the optional `bullmq` and `ioredis` packages. */
  queueNotInstalled(reason: string) {
    return new CdmError('CDM_NOT_AVAILABLE', `--queue needs the optional packages bullmq and ioredis, which did not load (${reason})`, 'Install them with `npm install bullmq ioredis`');
  },
};

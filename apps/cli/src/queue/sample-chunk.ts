import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { StageSampleParams } from '@cdm/cascade';

/** The BullMQ queue `cdm sample --queue` and `cdm worker` share. */
export const SAMPLE_QUEUE_NAME = 'cdm-sample';
/** Images per chunk unless --chunk-size says otherwise. */
export const DEFAULT_CHUNK_SIZE = 16;

/**
 * What a chunk's file holds: `images`, the 8-bit images `cdm sample` writes; `eval`, the float
 * values of the last stage that `cdm eval` measures (`values`) and, for a cascade with a
 * super-resolution last stage, the clean images the stage below handed it (`inputs`).
 */
export type ChunkKind = 'images' | 'eval';

/**
 * One job on the queue: images `first` … `first + count − 1` of a `cdm sample` run. Image i depends
 * only on (seed, i) and the settings, so any worker that samples it with `firstIndex` gets the
 * bytes the in-process command would.
 */
export interface SampleChunk {
  readonly runId: string;
  readonly kind: ChunkKind;
  /** cascade.json as the coordinator names it (a worker may read its own copy instead). */
  readonly cascade: string;
  readonly cascadeHash: string;
  readonly weights?: 'ema' | 'model';
  readonly seed: number;
  readonly first: number;
  readonly count: number;
  /** The class of each image of the chunk; null for an unconditional cascade. */
  readonly classLabels: readonly number[] | null;
  readonly stages: readonly StageSampleParams[];
  /** Images sampled at once on the worker. */
  readonly batch: number;
  /** The directory the chunk files go to, as the coordinator names it (a worker may have its own mount). */
  readonly sharedDir: string;
}

/** What a worker returns for a chunk. */
export interface SampleChunkResult {
  readonly file: string;
  /** Milliseconds spent in each stage. */
  readonly stageMs: readonly number[];
  readonly worker: string;
}

/** What defines a run: the same command gets the same id, so a restarted coordinator finds its chunks again. */
export interface SampleRunKey {
  readonly kind: ChunkKind;
  readonly cascadeHash: string;
  readonly weights?: 'ema' | 'model';
  readonly seed: number;
  readonly n: number;
  readonly labels: readonly number[] | null;
  readonly stages: readonly StageSampleParams[];
  readonly chunkSize: number;
  readonly batch: number;
}

export function sampleRunId(key: SampleRunKey): string {
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

/** The job id of a chunk (BullMQ ids must not be bare integers). */
export function chunkJobId(runId: string, first: number): string {
  return `${runId}-${first}`;
}

/** Where a run's chunk files go under the shared directory. */
export function runDirectory(sharedDir: string, runId: string): string {
  return join(sharedDir, `cdm-sample-${runId}`);
}

/** A chunk's file in its run directory. */
export function chunkFileName(first: number): string {
  return `chunk-${String(first).padStart(9, '0')}.bin`;
}

/** The first image index of each chunk of n images. */
export function chunkStarts(n: number, chunkSize: number): number[] {
  return Array.from({ length: Math.ceil(n / chunkSize) }, (_, k) => k * chunkSize);
}

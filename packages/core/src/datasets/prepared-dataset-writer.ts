import type { Storage } from '../contracts/storage';
import { errors } from '../errors';
import { joinPath } from '../storage/memory-storage';
import {
  PREPARED_DATASET_FORMAT,
  PREPARED_DATASET_MANIFEST,
  PREPARED_DATASET_VERSION,
  PREPARED_RESIZE_METHOD,
  preparedRecordBytes,
  type PreparedDatasetManifest,
  type PreparedSkippedFile,
  type PreparedSource,
} from './prepared-dataset-format';

export interface PreparedDatasetWriterOptions {
  readonly storage: Storage;
  /** Directory to write into; an existing manifest there is replaced only when `finish` succeeds. */
  readonly path: string;
  readonly resolution: number;
  readonly channels: 1 | 3;
  readonly classNames: readonly string[];
  /** Target shard size in bytes (default 64 MiB); shards hold whole records. */
  readonly shardBytes?: number;
}

export interface PreparedDatasetWriter {
  /** Appends one example: HWC uint8 pixels at the dataset's resolution and channels. */
  add(label: number, pixels: Uint8Array, source: PreparedSource): Promise<void>;
  /** Writes the last shard, then manifest.json (last, so that a crash leaves no manifest naming missing shards). */
  finish(info: { key: string; decoder: string; source: string; skipped: readonly PreparedSkippedFile[]; ignored: readonly PreparedSkippedFile[] }): Promise<PreparedDatasetManifest>;
}

/** Writes a prepared dataset shard by shard: at most one shard is held in memory. */
export function createPreparedDatasetWriter(options: PreparedDatasetWriterOptions): PreparedDatasetWriter {
  const { storage, path, resolution, channels, classNames } = options;
  const recordBytes = preparedRecordBytes(resolution, channels);
  const shardRecords = Math.max(1, Math.floor((options.shardBytes ?? 64 << 20) / recordBytes));
  if (classNames.length > 0xffff) throw errors.invalidArgument('classNames', 'at most 65,535 classes (labels are uint16)', classNames.length);
  const shards: string[] = [];
  const sources: PreparedSource[] = [];
  const classCounts = classNames.map(() => 0);
  let buffer = new Uint8Array(shardRecords * recordBytes);
  let inBuffer = 0;

  let cleared = false;
  const flush = async () => {
    if (inBuffer === 0) return;
    // An older manifest in the same place would name shards this run overwrites: it goes first.
    if (!cleared) await storage.remove?.(joinPath(path, PREPARED_DATASET_MANIFEST));
    cleared = true;
    const name = `shard-${String(shards.length).padStart(5, '0')}.bin`;
    await storage.write(joinPath(path, name), buffer.subarray(0, inBuffer * recordBytes));
    shards.push(name);
    buffer = new Uint8Array(shardRecords * recordBytes);
    inBuffer = 0;
  };

  return {
    async add(label, pixels, source) {
      if (!Number.isInteger(label) || label < 0 || label >= classNames.length) throw errors.invalidArgument('label', `an integer in [0, ${classNames.length})`, label);
      if (pixels.length !== recordBytes - 2) throw errors.invalidArgument('pixels', `${recordBytes - 2} bytes (${resolution}×${resolution}×${channels})`, pixels.length);
      const at = inBuffer * recordBytes;
      buffer[at] = label & 0xff;
      buffer[at + 1] = label >> 8;
      buffer.set(pixels, at + 2);
      inBuffer++;
      classCounts[label]!++;
      sources.push(source);
      if (inBuffer === shardRecords) await flush();
    },
    async finish(info) {
      await flush();
      const manifest: PreparedDatasetManifest = {
        format: PREPARED_DATASET_FORMAT,
        version: PREPARED_DATASET_VERSION,
        resolution,
        channels,
        resize: PREPARED_RESIZE_METHOD,
        key: info.key,
        decoder: info.decoder,
        classNames: [...classNames],
        classCounts,
        size: sources.length,
        recordBytes,
        shardRecords,
        shards,
        source: info.source,
        sources,
        skipped: info.skipped,
        ignored: info.ignored,
        createdAt: new Date().toISOString(),
      };
      await storage.write(joinPath(path, PREPARED_DATASET_MANIFEST), new TextEncoder().encode(`${JSON.stringify(manifest)}\n`));
      return manifest;
    },
  };
}

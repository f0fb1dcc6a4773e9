import {
  PREPARED_DATASET_MANIFEST,
  checkPreparedManifest,
  errors,
  exampleStream,
  joinPath,
  type Dataset,
  type PreparedDatasetManifest,
  type Storage,
} from '@cdm/core';

export interface PreparedDatasetOptions {
  /** Where the prepared dataset lives (a file system in Node, HTTP in the browser). */
  readonly storage: Storage;
  /** Its directory in the storage (the one holding manifest.json). */
  readonly path: string;
  /** Mirror each example left–right with probability ½ (seeded). Default false. */
  readonly randomFlip?: boolean;
  /** Read the next batch during the current step (default true). */
  readonly prefetch?: boolean;
  /**
   * Datasets up to this many bytes (default 512 MiB) are read whole when opened and served from
   * memory; larger ones are read record by record from the storage as batches need them.
   */
  readonly inMemoryBytes?: number;
  readonly name?: string;
}

export interface PreparedDataset extends Dataset {
  readonly classNames: readonly string[];
  readonly size: number;
  readonly manifest: PreparedDatasetManifest;
}

/** Shards held in memory when the storage cannot read byte ranges. */
const SHARD_CACHE = 2;
const IN_MEMORY_BYTES = 512 * 2 ** 20;

/**
 * Opens a prepared dataset (see `PreparedDatasetManifest`): batches come from its uint8 records,
 * held in memory when the whole dataset fits `inMemoryBytes`; otherwise each record is fetched with
 * one ranged read when the storage has `readRange` (so a dataset larger than memory streams from
 * disk), else from whole shards with the last two kept in memory. The stream is
 * `exampleStream`'s: seeded epochs, resumable at any example, the next batch read ahead.
 */
export async function openPreparedDataset(options: PreparedDatasetOptions): Promise<PreparedDataset> {
  const { storage, path, randomFlip = false } = options;
  const manifestPath = joinPath(path, PREPARED_DATASET_MANIFEST);
  if (!(await storage.exists(manifestPath))) {
    throw errors.notFound(manifestPath, `storage "${storage.name}" (prepare the dataset first: cdm data prepare <folder> --resolution R)`);
  }
  const text = new TextDecoder().decode(await storage.read(manifestPath));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.invalidArgument(manifestPath, 'a JSON prepared-dataset manifest', `${text.length} characters that are not JSON`);
  }
  const manifest = checkPreparedManifest(parsed, manifestPath);
  const { resolution, channels, recordBytes, shardRecords, size } = manifest;
  if (size === 0) throw errors.invalidArgument(`prepared dataset ${path}`, 'at least one example', 'none (every source was skipped)');

  const shardCache = new Map<number, Promise<Uint8Array>>();
  const inMemory = size * recordBytes <= (options.inMemoryBytes ?? IN_MEMORY_BYTES);
  const resident = inMemory ? await Promise.all(manifest.shards.map((shard) => storage.read(joinPath(path, shard)))) : [];
  const readRecord = async (index: number): Promise<Uint8Array> => {
    const shard = Math.floor(index / shardRecords);
    const file = joinPath(path, manifest.shards[shard]!);
    const offset = (index % shardRecords) * recordBytes;
    if (inMemory) return resident[shard]!.subarray(offset, offset + recordBytes);
    if (storage.readRange !== undefined) return storage.readRange(file, offset, recordBytes);
    let bytes = shardCache.get(shard);
    if (bytes === undefined) {
      bytes = storage.read(file);
      shardCache.set(shard, bytes);
      if (shardCache.size > SHARD_CACHE) shardCache.delete(shardCache.keys().next().value!);
    }
    return (await bytes).subarray(offset, offset + recordBytes);
  };

  const pixelsPerImage = resolution * resolution * channels;
  return {
    name: options.name ?? `prepared:${path}`,
    numClasses: manifest.classNames.length,
    classNames: manifest.classNames,
    size,
    resolution,
    channels,
    manifest,
    batches: (iteration) =>
      exampleStream(
        {
          count: size,
          resolution,
          channels,
          randomFlip,
          labelled: true,
          ...(options.prefetch === undefined ? {} : { prefetch: options.prefetch }),
          load: async (index, flip) => {
            const record = await readRecord(index);
            if (record.length !== recordBytes) {
              throw errors.unreadableFile(joinPath(path, manifest.shards[Math.floor(index / shardRecords)]!), `record ${index} is cut short (rebuild the dataset)`);
            }
            const label = record[0]! | (record[1]! << 8);
            const pixels = new Float32Array(pixelsPerImage);
            for (let y = 0; y < resolution; y++) {
              for (let x = 0; x < resolution; x++) {
                const from = 2 + (y * resolution + (flip ? resolution - 1 - x : x)) * channels;
                const to = (y * resolution + x) * channels;
                for (let k = 0; k < channels; k++) pixels[to + k] = record[from + k]! / 127.5 - 1;
              }
            }
            return { pixels, label };
          },
        },
        iteration,
      ),
  };
}

import { errors } from '../errors';

/**
 * A prepared dataset: images decoded, oriented, centre-cropped and resized once, stored as uint8.
 *
 *   manifest.json          PreparedDatasetManifest (written last: its presence means complete)
 *   shard-00000.bin …      fixed-size records: a uint16 little-endian label, then H·W·C pixel bytes (HWC)
 *
 * Record i lives in shard ⌊i / shardRecords⌋ at byte (i mod shardRecords) · recordBytes, so a reader
 * fetches any example with one ranged read and never needs a whole shard in memory.
 */
export const PREPARED_DATASET_FORMAT = 'cdm-prepared-dataset';
export const PREPARED_DATASET_VERSION = 1;
export const PREPARED_DATASET_MANIFEST = 'manifest.json';

/** How a source image became a record: the only method today. */
export const PREPARED_RESIZE_METHOD = 'exif-orient, centre-crop to a square, area resample';

/** One source file the dataset was built from, with what identifies its content. */
export interface PreparedSource {
  /** Relative to the folder, `/`-separated (`<class>/<file>`). */
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
  readonly label: number;
}

/** A file that was not made into a record, and why. */
export interface PreparedSkippedFile {
  readonly path: string;
  readonly reason: string;
}

export interface PreparedDatasetManifest {
  readonly format: typeof PREPARED_DATASET_FORMAT;
  readonly version: typeof PREPARED_DATASET_VERSION;
  readonly resolution: number;
  readonly channels: 1 | 3;
  readonly resize: string;
  /** Identifies the inputs it was built from (the builder's digest of the source files, sizes, times and settings); a changed key means rebuild. */
  readonly key: string;
  /** What decoded the images (e.g. "sharp 0.35.6 (libvips 8.18.8)" or "js (fast-png, jpeg-js)"). */
  readonly decoder: string;
  /** Class names in label order (sorted folder names); a class may have no examples. */
  readonly classNames: readonly string[];
  /** Examples per class, in label order. */
  readonly classCounts: readonly number[];
  /** Number of records. */
  readonly size: number;
  readonly recordBytes: number;
  readonly shardRecords: number;
  readonly shards: readonly string[];
  /** Where the images came from (the folder's absolute path when built from one). */
  readonly source: string;
  /** Every image file that became a record, in record order. */
  readonly sources: readonly PreparedSource[];
  /** Image files that could not be decoded. */
  readonly skipped: readonly PreparedSkippedFile[];
  /** Other entries of the folder that are not images this decoder reads (text files, .DS_Store, …). */
  readonly ignored: readonly PreparedSkippedFile[];
  readonly createdAt: string;
}

/** Bytes of one record: the uint16 label and the pixels. */
export function preparedRecordBytes(resolution: number, channels: number): number {
  return 2 + resolution * resolution * channels;
}

/** Checks a parsed manifest.json, with an error naming the field that is wrong. */
export function checkPreparedManifest(value: unknown, source: string): PreparedDatasetManifest {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw errors.invalidArgument(`${source}: ${field}`, expected, got);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('(top level)', 'an object', value);
  const m = value as Record<string, unknown>;
  if (m['format'] !== PREPARED_DATASET_FORMAT) fail('format', JSON.stringify(PREPARED_DATASET_FORMAT), m['format']);
  if (m['version'] !== PREPARED_DATASET_VERSION) fail('version', `${PREPARED_DATASET_VERSION} (rebuild the dataset with this version of cdm)`, m['version']);
  const count = (field: string, min: number) => {
    const v = m[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(field, `an integer ≥ ${min}`, v);
    return v as number;
  };
  const resolution = count('resolution', 1);
  const channels = m['channels'];
  if (channels !== 1 && channels !== 3) fail('channels', '1 or 3', channels);
  const size = count('size', 0);
  const recordBytes = count('recordBytes', 3);
  if (recordBytes !== preparedRecordBytes(resolution, channels as number)) fail('recordBytes', String(preparedRecordBytes(resolution, channels as number)), recordBytes);
  const shardRecords = count('shardRecords', 1);
  const shards = m['shards'];
  if (!Array.isArray(shards) || !shards.every((s) => typeof s === 'string') || shards.length !== Math.ceil(size / shardRecords)) {
    fail('shards', `${Math.ceil(size / shardRecords)} file names`, shards);
  }
  const classNames = m['classNames'];
  if (!Array.isArray(classNames) || classNames.length === 0 || !classNames.every((c) => typeof c === 'string')) fail('classNames', 'a non-empty list of names', classNames);
  const classCounts = m['classCounts'];
  if (!Array.isArray(classCounts) || classCounts.length !== (classNames as unknown[]).length || classCounts.reduce((a: number, b: number) => a + b, 0) !== size) {
    fail('classCounts', `${(classNames as unknown[]).length} counts adding up to ${size}`, classCounts);
  }
  if (typeof m['key'] !== 'string') fail('key', 'a string', m['key']);
  for (const field of ['sources', 'skipped', 'ignored']) if (!Array.isArray(m[field])) fail(field, 'a list', m[field]);
  if ((m['sources'] as unknown[]).length !== size) fail('sources', `${size} entries`, (m['sources'] as unknown[]).length);
  return value as PreparedDatasetManifest;
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  PREPARED_DATASET_MANIFEST,
  PREPARED_RESIZE_METHOD,
  checkPreparedManifest,
  createPreparedDatasetWriter,
  errors,
  type PreparedDatasetManifest,
  type PreparedSkippedFile,
} from '@cdm/core';
import { createImageDecoder, type ImageDecoderChoice } from '../image/image-decoder';
import { fsStorage } from '../storage/fs-storage';
import { fitImageBytes } from './fit-image';
import { scanImageFolder, type ImageFolderScan } from './scan-image-folder';
import type { OnUnreadable } from './unreadable';

export interface PrepareImageFolderOptions {
  /** A folder with one sub-folder per class. */
  readonly root: string;
  readonly resolution: number;
  /** 3 (RGB, default) or 1 (grey). */
  readonly channels?: 1 | 3;
  /** Where prepared datasets are kept; default `defaultDatasetCacheDir()`. */
  readonly cacheDir?: string;
  /** 'skip' (default): leave files that cannot be decoded out, and list them. 'fail': refuse, naming every one, before anything is written. */
  readonly onUnreadable?: OnUnreadable;
  /** 'auto' (default): sharp when installed, else JavaScript. */
  readonly decoder?: ImageDecoderChoice;
  /** Images decoded at once (default: the number of cores). */
  readonly concurrency?: number;
  /** Rebuild even when an up-to-date prepared dataset exists. */
  readonly force?: boolean;
  /** Called as images are decoded (only when building). */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface PreparedImageFolder {
  /** The directory holding manifest.json and the shards. */
  readonly path: string;
  readonly manifest: PreparedDatasetManifest;
  /** True when an up-to-date prepared dataset was found and nothing was decoded. */
  readonly reused: boolean;
  /** Class folders without images (their labels exist, with no examples). */
  readonly emptyClasses: readonly string[];
  readonly seconds: number;
}

/** `$CDM_CACHE_DIR/datasets`, else `$XDG_CACHE_HOME/cdm/datasets`, else `~/.cache/cdm/datasets`. */
export function defaultDatasetCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CDM_CACHE_DIR) return join(env.CDM_CACHE_DIR, 'datasets');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cdm', 'datasets');
}

/** Where the prepared copy of `root` at this resolution and channel count lives under `cacheDir`. */
export function preparedDatasetPath(root: string, resolution: number, channels: 1 | 3, cacheDir = defaultDatasetCacheDir()): string {
  const absolute = resolve(root);
  const id = createHash('sha256').update(absolute).digest('hex').slice(0, 10);
  return join(cacheDir, `${basename(absolute)}-${id}`, `r${resolution}-c${channels}`);
}

/** The digest of everything a prepared dataset is made from: the files (names, sizes, times), classes and settings. */
export function preparedDatasetKey(scan: ImageFolderScan, resolution: number, channels: 1 | 3): string {
  const hash = createHash('sha256').update(JSON.stringify({ resize: PREPARED_RESIZE_METHOD, resolution, channels, classNames: scan.classNames }));
  for (const image of scan.images) hash.update(`${image.path}\t${image.bytes}\t${image.mtimeMs}\n`);
  return hash.digest('hex');
}

/**
 * Decodes, orients, centre-crops and area-resizes every image of a labelled folder once and stores
 * the result as a prepared dataset (uint8 shards and a manifest; see @cdm/core's
 * `PreparedDatasetManifest`), or reuses the one already there when the folder has not changed (same
 * files, sizes and modification times, classes, resolution and channels). Every file is validated
 * here, before training: unreadable ones are skipped and listed, or with `onUnreadable: 'fail'`
 * all of them are named in one CDM_UNREADABLE_FILE error and nothing is written.
 */
export async function prepareImageFolder(options: PrepareImageFolderOptions): Promise<PreparedImageFolder> {
  const { resolution, channels = 3, onUnreadable = 'skip', signal } = options;
  if (!Number.isInteger(resolution) || resolution < 1) throw errors.invalidArgument('resolution', 'a positive integer', resolution);
  if (channels !== 1 && channels !== 3) throw errors.invalidArgument('channels', '1 or 3', channels);
  if (onUnreadable !== 'skip' && onUnreadable !== 'fail') throw errors.invalidArgument('onUnreadable', '"skip" or "fail"', onUnreadable);
  const started = performance.now();
  const root = resolve(options.root);
  const decoder = await createImageDecoder(options.decoder);
  const scan = await scanImageFolder(root, decoder.extensions);
  const key = preparedDatasetKey(scan, resolution, channels);
  const path = preparedDatasetPath(root, resolution, channels, options.cacheDir);
  const storage = fsStorage(path);
  const seconds = () => (performance.now() - started) / 1000;

  if (options.force !== true && (await storage.exists(PREPARED_DATASET_MANIFEST))) {
    const existing = await storage
      .read(PREPARED_DATASET_MANIFEST)
      .then((bytes) => checkPreparedManifest(JSON.parse(new TextDecoder().decode(bytes)), join(path, PREPARED_DATASET_MANIFEST)))
      .catch(() => undefined); // unreadable or from another version: rebuilt below
    if (existing?.key === key) {
      if (onUnreadable === 'fail' && existing.skipped.length > 0) throw errors.unreadableFiles(root, existing.skipped);
      // Non-image entries do not change the records; report what the folder holds now.
      return { path, manifest: { ...existing, ignored: scan.ignored }, reused: true, emptyClasses: scan.emptyClasses, seconds: seconds() };
    }
  }
  if (scan.images.length === 0) throw errors.invalidArgument(`image folder ${root}`, `image files (${decoder.extensions.join(', ')}) in its class folders`, 'none');

  const writer = createPreparedDatasetWriter({ storage, path: '', resolution, channels, classNames: scan.classNames });
  const skipped: PreparedSkippedFile[] = [];
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  const window = concurrency * 4;
  for (let from = 0; from < scan.images.length; from += window) {
    if (signal?.aborted) throw errors.aborted(`Preparing ${root}`);
    const chunk = scan.images.slice(from, from + window);
    const decoded = await mapLimited(chunk, concurrency, async (image) => {
      try {
        const bytes = await readFile(join(root, ...image.path.split('/')));
        if (bytes.length === 0) throw new Error('empty file (0 bytes)');
        return fitImageBytes(await decoder.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)), resolution, channels);
      } catch (error) {
        return { reason: error instanceof Error ? error.message.replace(/ \[CDM_[A-Z_]+\]$/, '') : String(error) };
      }
    });
    for (const [i, result] of decoded.entries()) {
      const image = chunk[i]!;
      if (result instanceof Uint8Array) {
        if (onUnreadable === 'skip' || skipped.length === 0) await writer.add(image.label, result, image);
      } else skipped.push({ path: image.path, reason: result.reason });
    }
    options.onProgress?.(Math.min(from + window, scan.images.length), scan.images.length);
  }
  if (onUnreadable === 'fail' && skipped.length > 0) throw errors.unreadableFiles(root, skipped);
  if (skipped.length === scan.images.length) throw errors.unreadableFiles(root, skipped);
  const manifest = await writer.finish({ key, decoder: decoder.name, source: root, skipped, ignored: scan.ignored });
  const current = new Set([...manifest.shards, PREPARED_DATASET_MANIFEST]);
  for (const name of await storage.listDirectory!('.')) if (/^shard-\d+\.bin$/.test(name) && !current.has(name)) await storage.remove!(name); // a larger earlier build's
  return { path, manifest, reused: false, emptyClasses: scan.emptyClasses, seconds: seconds() };
}

/** Runs `task` over `items` with at most `limit` at once; results in item order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

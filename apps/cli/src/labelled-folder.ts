import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PREPARED_DATASET_MANIFEST, checkPreparedManifest, errors, type Dataset } from '@cdm/core';
import { openPreparedDataset } from '@cdm/cascade';
import { defaultDatasetCacheDir, pngCodec, prepareImageFolder } from '@cdm/backend-node';
import { fileStorage, toStoragePath } from './file-storage';

const EXTENSIONS = ['png', 'jpg', 'jpeg'];

/** A labelled dataset of known size and classes. */
export type LabelledDataset = Dataset & { readonly classNames: readonly string[]; readonly size: number };

/**
 * Labelled images at `resolution` and `channels`, in a seeded order without flips: what `cdm
 * extractor train` trains on and `cdm eval --dataset` compares with. `root` is a class-folder dataset
 * (`root/<class>/<image>`, prepared once into the dataset cache and reused; unreadable files are
 * skipped) or a prepared dataset's directory (holding manifest.json) at that resolution and channel
 * count. Fails with CDM_NOT_FOUND when `root` is not a directory.
 */
export async function openLabelledFolder(root: string, resolution: number, channels: 1 | 3, flag: string, env: NodeJS.ProcessEnv = process.env): Promise<LabelledDataset> {
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) throw errors.notFound(root, `the file system (${flag})`);
  let path = root;
  if (!existsSync(join(root, PREPARED_DATASET_MANIFEST))) {
    path = (await prepareImageFolder({ root, resolution, channels, cacheDir: defaultDatasetCacheDir(env) })).path;
  }
  const data = await openPreparedDataset({ storage: fileStorage(), path: toStoragePath(path), randomFlip: false, name: `image-folder:${root}` });
  if (data.resolution !== resolution || data.channels !== channels) {
    throw errors.invalidArgument(`${flag} ${root}`, `a prepared dataset at ${resolution}×${resolution}×${channels}`, `${data.resolution}×${data.resolution}×${data.channels}`);
  }
  return data;
}

/** The side a folder suggests: a prepared dataset's resolution, else the shorter side of the first image of the first class (sorted). */
export async function firstImageSide(root: string, flag: string): Promise<number> {
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) throw errors.notFound(root, `the file system (${flag})`);
  const manifestPath = join(root, PREPARED_DATASET_MANIFEST);
  if (existsSync(manifestPath)) return checkPreparedManifest(JSON.parse(await readFile(manifestPath, 'utf8')), manifestPath).resolution;
  const classes = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  for (const name of classes) {
    const file = (await readdir(join(root, name))).filter((f) => EXTENSIONS.includes(f.split('.').pop()!.toLowerCase())).sort()[0];
    if (file === undefined) continue;
    const image = await pngCodec().decode(new Uint8Array(await readFile(join(root, name, file))));
    return Math.min(image.width, image.height);
  }
  throw errors.invalidArgument(`${flag} ${root}`, `one sub-folder per class with images (${EXTENSIONS.join(', ')})`, 'none');
}

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errors } from '@cdm/core';
import { imageFolderDataset, pngCodec, type ImageFolderDataset } from '@cdm/backend-node';

const EXTENSIONS = ['png', 'jpg', 'jpeg'];

/**
 * A labelled image folder (`root/<class>/<image>`) as a Dataset at `resolution` and `channels`, in a
 * seeded order without flips: what `cdm extractor train` trains on and `cdm eval --dataset <folder>`
 * compares with. Fails with CDM_NOT_FOUND when `root` is not a directory.
 */
export async function openLabelledFolder(root: string, resolution: number, channels: 1 | 3, flag: string): Promise<ImageFolderDataset> {
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) throw errors.notFound(root, `the file system (${flag})`);
  return imageFolderDataset({ root, resolution, channels, randomFlip: false });
}

/** The shorter side of the first image of the first class (sorted), the resolution a folder suggests. */
export async function firstImageSide(root: string, flag: string): Promise<number> {
  const info = await stat(root).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) throw errors.notFound(root, `the file system (${flag})`);
  const classes = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  for (const name of classes) {
    const file = (await readdir(join(root, name))).filter((f) => EXTENSIONS.includes(f.split('.').pop()!.toLowerCase())).sort()[0];
    if (file === undefined) continue;
    const image = await pngCodec().decode(new Uint8Array(await readFile(join(root, name, file))));
    return Math.min(image.width, image.height);
  }
  throw errors.invalidArgument(`${flag} ${root}`, `one sub-folder per class with images (${EXTENSIONS.join(', ')})`, 'none');
}

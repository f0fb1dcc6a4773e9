import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, type Dataset, type ImageCodec } from '@cdm/core';
import { pngCodec } from '../image/png-codec';
import { exampleStream } from '@cdm/core';
import { fitImage, flipHorizontal } from './fit-image';
import { readOrSkip, type UnreadableOptions } from './unreadable';

export interface ImageFolderDatasetOptions extends UnreadableOptions {
  /** A folder with one sub-folder per class (ImageNet style); classes are the sub-folder names, sorted. */
  readonly root: string;
  /** Side of the square images the batches have: center crop, then area resampling. */
  readonly resolution: number;
  /** 3 (RGB, default) or 1 (grey). */
  readonly channels?: 1 | 3;
  /** Mirror each example left–right with probability ½ (seeded). Default true. */
  readonly randomFlip?: boolean;
  /** Decoder; default pngCodec() (PNG and JPEG). */
  readonly codec?: ImageCodec;
  /** File name extensions taken as images; default png, jpg, jpeg. */
  readonly extensions?: readonly string[];
  readonly name?: string;
}

export interface ImageFolderDataset extends Dataset {
  readonly classNames: readonly string[];
  /** Number of image files found. */
  readonly size: number;
}

/**
 * A labelled dataset from `root/<class>/<image>` files. Only the file list is held in memory;
 * images are read and decoded batch by batch. Labels are class indices in sorted folder order.
 */
export async function imageFolderDataset(options: ImageFolderDatasetOptions): Promise<ImageFolderDataset> {
  const { root, resolution, channels = 3, randomFlip = true, codec = pngCodec() } = options;
  if (!Number.isInteger(resolution) || resolution < 1) throw errors.invalidArgument('resolution', 'a positive integer', resolution);
  const extensions = new Set((options.extensions ?? ['png', 'jpg', 'jpeg']).map((e) => e.toLowerCase()));
  const entries = await readdir(root, { withFileTypes: true }).catch((error: Error) => {
    throw errors.unreadableFile(root, error.message);
  });
  const classNames = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (classNames.length === 0) throw errors.invalidArgument(`image folder ${root}`, 'one sub-folder per class', 'no sub-folders');
  const files: string[] = [];
  const labels: number[] = [];
  for (const [label, name] of classNames.entries()) {
    const names = (await readdir(join(root, name))).filter((f) => extensions.has(f.split('.').pop()!.toLowerCase())).sort();
    for (const file of names) {
      files.push(join(root, name, file));
      labels.push(label);
    }
  }
  if (files.length === 0) throw errors.invalidArgument(`image folder ${root}`, `image files (${[...extensions].join(', ')})`, 'none');
  return {
    name: options.name ?? `image-folder:${root}`,
    numClasses: classNames.length,
    resolution,
    channels,
    classNames,
    size: files.length,
    batches: (iteration) =>
      exampleStream(
        {
          count: files.length,
          resolution,
          channels,
          randomFlip,
          labelled: true,
          load: (index, flip) =>
            readOrSkip(files[index]!, options, async () => {
              const pixels = fitImage(await codec.decode(new Uint8Array(await readFile(files[index]!))), resolution, channels);
              return { pixels: flip ? flipHorizontal(pixels, resolution, channels) : pixels, label: labels[index]! };
            }),
        },
        iteration,
      ),
  };
}

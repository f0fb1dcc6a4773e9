import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, type Dataset } from '@cdm/core';
import { exampleStream } from '@cdm/core';
import { fitImage, flipHorizontal } from './fit-image';
import { readOrSkip, type UnreadableOptions } from './unreadable';

/** Bytes per CIFAR-10 record: a label byte, then 32×32 red, green and blue planes. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

export interface Cifar10DatasetOptions extends UnreadableOptions {
  /** The folder of the binary version (`cifar-10-batches-bin`): data_batch_1.bin … 5, test_batch.bin. */
  readonly root: string;
  /** 'train' (data_batch_1…5, default) or 'test' (test_batch). */
  readonly split?: 'train' | 'test';
  /** Side of the batches' images; default 32 (others are area-resampled). */
  readonly resolution?: number;
  /** Mirror each example left–right with probability ½ (seeded). Default true. */
  readonly randomFlip?: boolean;
}

/**
 * CIFAR-10 in its binary format, read record by record with positioned reads (never the whole
 * file in memory). A file whose size is not a whole number of records is reported like an
 * unreadable file (CDM_UNREADABLE_FILE, or skipped with 'skip').
 */
export async function cifar10Dataset(options: Cifar10DatasetOptions): Promise<Dataset & { readonly size: number }> {
  const { root, split = 'train', resolution = 32, randomFlip = true } = options;
  const names = split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  const files: { path: string; records: number }[] = [];
  for (const name of names) {
    const path = join(root, name);
    const file = await readOrSkip(path, options, async () => {
      const { size } = await stat(path);
      if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) throw new Error(`${size} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records`);
      return { path, records: size / CIFAR10_RECORD_BYTES };
    });
    if (file !== undefined) files.push(file);
  }
  const size = files.reduce((n, f) => n + f.records, 0);
  if (size === 0) throw errors.unreadableFile(root, `no CIFAR-10 ${split} records (${names.join(', ')})`);
  const locate = (index: number) => {
    for (const file of files) {
      if (index < file.records) return { path: file.path, offset: index * CIFAR10_RECORD_BYTES };
      index -= file.records;
    }
    throw new Error('unreachable');
  };
  return {
    name: `cifar10-${split}`,
    numClasses: 10,
    resolution,
    channels: 3,
    size,
    batches: (iteration) =>
      exampleStream(
        {
          count: size,
          resolution,
          channels: 3,
          randomFlip,
          labelled: true,
          load: async (index, flip) => {
            const { path, offset } = locate(index);
            return readOrSkip(`${path} (record ${offset / CIFAR10_RECORD_BYTES})`, options, async () => {
              const record = new Uint8Array(CIFAR10_RECORD_BYTES);
              const handle = await open(path, 'r');
              try {
                const { bytesRead } = await handle.read(record, 0, CIFAR10_RECORD_BYTES, offset);
                if (bytesRead !== CIFAR10_RECORD_BYTES) throw new Error('truncated record');
              } finally {
                await handle.close();
              }
              const label = record[0]!;
              if (label > 9) throw new Error(`label ${label} is not 0…9`);
              const rgb = new Uint8Array(32 * 32 * 3); // planar → interleaved
              for (let p = 0; p < 1024; p++) for (let k = 0; k < 3; k++) rgb[p * 3 + k] = record[1 + k * 1024 + p]!;
              const pixels = fitImage({ width: 32, height: 32, channels: 3, data: rgb }, resolution, 3);
              return { pixels: flip ? flipHorizontal(pixels, resolution, 3) : pixels, label };
            });
          },
        },
        iteration,
      ),
  };
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCdmError } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_RECORD_BYTES, cifar10Dataset } from './cifar10-dataset';

let root = '';

/** Record r: label r mod 10; red plane = r, green plane = pixel index mod 256, blue = 255 − r. */
function record(r: number): Uint8Array {
  const bytes = new Uint8Array(CIFAR10_RECORD_BYTES);
  bytes[0] = r % 10;
  for (let p = 0; p < 1024; p++) {
    bytes[1 + p] = r;
    bytes[1 + 1024 + p] = p % 256;
    bytes[1 + 2048 + p] = 255 - r;
  }
  return bytes;
}

const file = (first: number, count: number) => Buffer.concat(Array.from({ length: count }, (_, i) => record(first + i)));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cdm-cifar-'));
  for (let b = 1; b <= 5; b++) await writeFile(join(root, `data_batch_${b}.bin`), file((b - 1) * 3, 3)); // records 0…14
  await writeFile(join(root, 'test_batch.bin'), Buffer.concat([file(100, 2), Buffer.alloc(10)])); // torn file
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('cifar10Dataset', () => {
  it('reads planar records as interleaved RGB with their labels, every record once per epoch', async () => {
    const dataset = await cifar10Dataset({ root, randomFlip: false });
    expect([dataset.size, dataset.numClasses, dataset.resolution, dataset.channels]).toEqual([15, 10, 32, 3]);
    const seen: number[] = [];
    for await (const { images, labels } of dataset.batches({ batchSize: 5, seed: 3 })) {
      const pixels = await images.data();
      const ids = await labels!.data();
      for (let i = 0; i < 5; i++) {
        const base = i * 32 * 32 * 3;
        const r = Math.round((pixels[base]! + 1) * 127.5);
        seen.push(r);
        expect(ids[i]).toBe(r % 10);
        expect(Math.round((pixels[base + 2]! + 1) * 127.5)).toBe(255 - r); // blue of pixel 0
        expect(Math.round((pixels[base + 5 * 3 + 1]! + 1) * 127.5)).toBe(5); // green of pixel 5
      }
      tf.dispose([images, labels!]);
      if (seen.length === 15) break;
    }
    expect(seen.slice().sort((a, b) => a - b)).toEqual([...Array(15).keys()]);
  });

  it('downsamples to a smaller resolution by block means', async () => {
    const dataset = await cifar10Dataset({ root, resolution: 16, randomFlip: false });
    for await (const { images, labels } of dataset.batches({ batchSize: 1, seed: 0 })) {
      expect(images.shape).toEqual([1, 16, 16, 3]);
      const green = Math.round(((await images.data())[1]! + 1) * 127.5 * 1000) / 1000;
      expect(green).toBe((0 + 1 + 32 + 33) / 4); // pixels 0, 1, 32, 33 of the green plane
      tf.dispose([images, labels!]);
      break;
    }
  });

  it('reports a torn file with its path (CDM_UNREADABLE_FILE), or skips it', async () => {
    const error = await cifar10Dataset({ root, split: 'test' }).catch((e: unknown) => e);
    expect(isCdmError(error, 'CDM_UNREADABLE_FILE')).toBe(true);
    expect((error as Error).message).toMatch(/^Cannot read .*test_batch\.bin: 6156 bytes is not a whole number of 3073-byte records/);
    const warnings: string[] = [];
    await expect(cifar10Dataset({ root, split: 'test', onUnreadable: 'skip', onWarning: (m) => warnings.push(m) })).rejects.toThrow(/no CIFAR-10 test records/);
    expect(warnings).toHaveLength(1);
  });
});

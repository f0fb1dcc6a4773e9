import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCdmError, type DataBatch } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngCodec } from '../image/png-codec';
import { imageFolderDataset } from './image-folder-dataset';

let root = '';
const CLASSES = ['cat', 'ant', 'bee']; // sorted: ant 0, bee 1, cat 2
const PER_CLASS = 4;

/**
 * Image k (0…11) is 6×4 RGB: red = 20·k identifies it; green is 0 in columns 0–2 and 255 in 3–5.
 * At resolution 2 the 4×4 center crop (columns 1–4) is averaged in 2×2 blocks, so the top-left
 * output pixel has green −1 unless the example was flipped.
 */
async function makeImage(k: number): Promise<Uint8Array> {
  const data = new Uint8Array(6 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) data.set([20 * k, x < 3 ? 0 : 255, 0], (y * 6 + x) * 3);
  return pngCodec().encodePng({ width: 6, height: 4, channels: 3, data });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cdm-image-folder-'));
  let k = 0;
  for (const name of CLASSES.slice().sort()) {
    await mkdir(join(root, name));
    for (let i = 0; i < PER_CLASS; i++) await writeFile(join(root, name, `img${i}.png`), await makeImage(k++));
  }
  await mkdir(join(root, 'broken'));
  await writeFile(join(root, 'broken', 'bad.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  await writeFile(join(root, 'broken', 'notes.txt'), 'not an image');
});
afterAll(() => rm(root, { recursive: true, force: true }));

interface Seen {
  id: number;
  label: number;
  flipped: boolean;
}

/** Reads `batches` batches and identifies each example (by its red level), disposing the tensors. */
async function take(stream: AsyncIterable<DataBatch>, batches: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  for await (const batch of stream) {
    const [n, res, , c] = batch.images.shape;
    const pixels = await batch.images.data();
    const labels = await batch.labels!.data();
    for (let i = 0; i < n; i++) {
      const at = (x: number, k: number) => pixels[((i * res * res) + x) * c + k]!;
      seen.push({ id: Math.round((at(0, 0) + 1) * 127.5 / 20), label: labels[i]!, flipped: at(0, 1) > 0 });
    }
    tf.dispose([batch.images, batch.labels!]);
    if (--batches === 0) break;
  }
  return seen;
}

describe('imageFolderDataset', () => {
  const open = (options = {}) => imageFolderDataset({ root, resolution: 2, onUnreadable: 'skip', onWarning: () => {}, ...options });

  it('finds classes (sorted sub-folders) and image files, ignoring other files', async () => {
    const dataset = await open();
    expect(dataset.classNames).toEqual(['ant', 'bee', 'broken', 'cat']);
    expect(dataset.numClasses).toBe(4);
    expect(dataset.size).toBe(13);
    expect([dataset.resolution, dataset.channels]).toEqual([2, 3]);
  });

  it('streams shuffled epochs: every readable image once per epoch, labels from folders, a new order each epoch', async () => {
    const warnings: string[] = [];
    const dataset = await open({ onWarning: (m: string) => warnings.push(m) });
    const tensorsBefore = tf.memory().numTensors;
    const seen = await take(dataset.batches({ batchSize: 4, seed: 1 }), 6); // 24 examples = 2 epochs of 12
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const epoch1 = seen.slice(0, 12).map((s) => s.id);
    const epoch2 = seen.slice(12).map((s) => s.id);
    expect(epoch1.slice().sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(epoch2.slice().sort((a, b) => a - b)).toEqual([...Array(12).keys()]);
    expect(epoch1).not.toEqual(epoch2);
    expect(epoch1).not.toEqual([...Array(12).keys()]);
    for (const s of seen) expect(s.label).toBe(s.id < 4 ? 0 : s.id < 8 ? 1 : 3); // ant, bee, (broken), cat
    expect(warnings.length).toBe(2); // bad.png, once per epoch
    expect(warnings[0]).toMatch(/^Skipping unreadable file .*broken\/bad\.png: /);
  });

  it('is reproducible from the seed, different for another seed, and flips about half the examples', async () => {
    const dataset = await open();
    const a = await take(dataset.batches({ batchSize: 6, seed: 7 }), 4);
    const b = await take(dataset.batches({ batchSize: 6, seed: 7 }), 4);
    const c = await take(dataset.batches({ batchSize: 6, seed: 8 }), 4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const flips = a.filter((s) => s.flipped).length;
    expect(flips).toBeGreaterThan(3);
    expect(flips).toBeLessThan(21);
    const noFlip = await take((await open({ randomFlip: false })).batches({ batchSize: 6, seed: 7 }), 2);
    expect(noFlip.every((s) => !s.flipped)).toBe(true);
  });

  it('resumes at `start` exactly where an uninterrupted stream would be', async () => {
    const dataset = await open({ root, onUnreadable: 'skip' });
    const unbroken = await take((await imageFolderDataset({ root, resolution: 2, onUnreadable: 'skip', onWarning: () => {} })).batches({ batchSize: 3, seed: 4 }), 8);
    // Positions count files, so resuming after 2 batches that met no unreadable file is start = 6.
    const first = await take(dataset.batches({ batchSize: 3, seed: 4 }), 2);
    expect(first).toEqual(unbroken.slice(0, 6));
    const resumed = await take(dataset.batches({ batchSize: 3, seed: 4, start: 26 }), 2); // epoch 3, offset 0
    const fromStart = await take(dataset.batches({ batchSize: 13, seed: 4 }), 3);
    // Positions 0…25 (two epochs of 13 files) held 24 readable images, so position 26 is readable image 24.
    expect(resumed.map((s) => s.id)).toEqual(fromStart.slice(24, 30).map((s) => s.id));
  });

  it("fails on an unreadable file by default, naming it, and on a missing root", async () => {
    const dataset = await imageFolderDataset({ root, resolution: 2 });
    const error = await take(dataset.batches({ batchSize: 13, seed: 0 }), 1).catch((e: unknown) => e);
    expect(isCdmError(error, 'CDM_UNREADABLE_FILE')).toBe(true);
    expect((error as Error).message).toMatch(/^Cannot read .*broken\/bad\.png: /);
    await expect(imageFolderDataset({ root: join(root, 'nope'), resolution: 2 })).rejects.toThrow(/Cannot read .*nope: ENOENT/);
  });

  it('stops with CDM_ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    const dataset = await open();
    await expect(take(dataset.batches({ batchSize: 2, seed: 0, signal: controller.signal }), 1)).rejects.toThrow(/aborted/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsStorage } from '../storage/fs-storage';
import { imageGrid, tensorToImages, writeImageGrid } from './image-grid';
import { pngCodec } from './png-codec';

const codec = pngCodec();
const pattern = (w: number, h: number, c: 1 | 3 | 4) => ({ width: w, height: h, channels: c, data: Uint8Array.from({ length: w * h * c }, (_, i) => (i * 37 + 11) & 255) });

describe('image grids', () => {
  it('maps [−1, 1] to 0…255 and tiles images with padding', async () => {
    await tf.setBackend('cpu');
    const batch = tf.tensor4d([-1, 1, 0, 2, -2, 0.5], [6, 1, 1, 1]);
    const images = await tensorToImages(batch);
    expect(images.map((i) => i.data[0])).toEqual([0, 255, 128, 255, 0, 191]);
    const grid = imageGrid(images, { columns: 4, padding: 1, background: 7 });
    expect([grid.width, grid.height]).toEqual([9, 5]); // 4·(1+1)+1, 2·(1+1)+1
    expect(grid.data[1 * 9 + 1]).toBe(0); // first image at (1, 1)
    expect(grid.data[1 * 9 + 3]).toBe(255); // second at (3, 1)
    expect(grid.data[3 * 9 + 3]).toBe(191); // sixth at (3, 3)
    expect(grid.data[3 * 9 + 5]).toBe(7); // empty seventh slot stays background
    batch.dispose();
  });

  it('writes a PNG grid that decodes to the same pixels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cdm-grid-'));
    try {
      const storage = fsStorage(dir);
      const grid = await writeImageGrid(storage, codec, 'samples/grid.png', [pattern(3, 3, 3), pattern(3, 3, 3)], { columns: 2 });
      expect(await codec.decode(await storage.read('samples/grid.png'))).toEqual(grid);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

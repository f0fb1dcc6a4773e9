import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawImage } from '@cdm/core';
import { tempDir } from '../testing/micro-cascade';
import { imagesArray, imagesOf, readChunkFile, writeChunkFile } from './chunk-file';

const image = (value: number): RawImage => ({ width: 2, height: 2, channels: 3, data: new Uint8Array(12).fill(value) });

describe('chunk files', () => {
  it('round-trips a chunk of images and refuses a truncated one or one for other images', async () => {
    const dir = await tempDir('cdm-chunk-');
    const path = join(dir, 'chunk.bin');
    await writeChunkFile(path, 4, { arrays: { images: imagesArray([image(1), image(2)]) }, stageMs: [10, 20] });
    const back = await readChunkFile(path, 4, 2);
    expect(back.stageMs).toEqual([10, 20]);
    expect(imagesOf(back.arrays.images, path).map((i) => Array.from(i.data))).toEqual([Array(12).fill(1), Array(12).fill(2)]);
    await expect(readChunkFile(path, 0, 2)).rejects.toThrow('does not hold images 0…1 in full');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 1));
    await expect(readChunkFile(path, 4, 2)).rejects.toThrow('does not hold images 4…5 in full');
    await writeFile(path, Buffer.concat([bytes, Buffer.from([0])]));
    await expect(readChunkFile(path, 4, 2)).rejects.toThrow('does not hold images 4…5 in full');
  });

  it('round-trips float arrays bit for bit, beside 8-bit ones, whatever the alignment after the header', async () => {
    const dir = await tempDir('cdm-chunk-');
    const path = join(dir, 'chunk.bin');
    const values = Float32Array.from([-1, 1e-38, Math.PI, -0, 0.1, Number.MIN_VALUE, 3.4e38, -2.5]);
    const inputs = Float32Array.from([0.25, -0.75]);
    await writeChunkFile(path, 0, {
      arrays: {
        values: { dtype: 'float32', shape: [2, 2, 2, 1], data: values },
        inputs: { dtype: 'float32', shape: [2, 1, 1, 1], data: inputs },
      },
      stageMs: [1],
    });
    const back = await readChunkFile(path, 0, 2);
    expect(back.arrays.values!.dtype).toBe('float32');
    expect(Array.from(back.arrays.values!.data)).toEqual(Array.from(values));
    expect(Object.is(back.arrays.values!.data[3], -0)).toBe(true);
    expect(Array.from(back.arrays.inputs!.data)).toEqual([0.25, -0.75]);
    expect(() => imagesOf(back.arrays.values, path)).toThrow('holds no 8-bit images');
    await expect(readChunkFile(path, 0, 3)).rejects.toThrow('does not hold images 0…2 in full');
  });
});

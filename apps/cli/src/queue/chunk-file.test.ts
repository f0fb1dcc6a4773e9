import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawImage } from '@cdm/core';
import { tempDir } from '../testing/micro-cascade';
import { readChunkFile, writeChunkFile } from './chunk-file';

const image = (value: number): RawImage => ({ width: 2, height: 2, channels: 3, data: new Uint8Array(12).fill(value) });

describe('chunk files', () => {
  it('round-trips a chunk and refuses a truncated one or one for other images', async () => {
    const dir = await tempDir('cdm-chunk-');
    const path = join(dir, 'chunk.bin');
    await writeChunkFile(path, 4, { images: [image(1), image(2)], stageMs: [10, 20] });
    const back = await readChunkFile(path, 4, 2);
    expect(back.stageMs).toEqual([10, 20]);
    expect(back.images.map((i) => Array.from(i.data))).toEqual([Array(12).fill(1), Array(12).fill(2)]);
    await expect(readChunkFile(path, 0, 2)).rejects.toThrow('does not hold images 0…1 in full');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 1));
    await expect(readChunkFile(path, 4, 2)).rejects.toThrow('does not hold images 4…5 in full');
  });
});

import { describe, expect, it } from 'vitest';
import { memoryStorage, type Storage } from '@cdm/core';
import { progressStorage, type DownloadProgress } from './progress-storage';

/** A storage whose reads report progress in two halves, as a streamed download does. */
function chunkedStorage(files: Record<string, number>): Storage {
  const inner = memoryStorage(Object.fromEntries(Object.entries(files).map(([path, size]) => [path, new Uint8Array(size)])));
  return {
    ...inner,
    async read(path, options) {
      const bytes = await inner.read(path);
      options?.onProgress?.(Math.floor(bytes.length / 2), bytes.length);
      options?.onProgress?.(bytes.length, bytes.length);
      return bytes;
    },
  };
}

describe('progressStorage', () => {
  it('sums progress over every file read, and still calls the caller’s own onProgress', async () => {
    const events: DownloadProgress[] = [];
    const own: number[] = [];
    const storage = progressStorage(chunkedStorage({ 'a.bin': 10, 'b/c.bin': 30 }), (p) => events.push(p));
    await storage.read('a.bin', { onProgress: (loaded) => own.push(loaded) });
    await storage.read('b/c.bin');
    expect(own).toEqual([5, 10]);
    expect(events.map((e) => [e.loaded, e.total, e.path, e.files])).toEqual([
      [5, 10, 'a.bin', 1],
      [10, 10, 'a.bin', 1],
      [10, 10, 'a.bin', 1],
      [25, 40, 'b/c.bin', 2],
      [40, 40, 'b/c.bin', 2],
      [40, 40, 'b/c.bin', 2],
    ]);
  });

  it('counts a file whose storage reports no progress once its read finishes', async () => {
    const events: DownloadProgress[] = [];
    const storage = progressStorage(memoryStorage({ 'x.json': new Uint8Array(7) }), (p) => events.push(p));
    expect((await storage.read('x.json')).length).toBe(7);
    expect(events.at(-1)).toEqual({ loaded: 7, total: 7, path: 'x.json', files: 1 });
  });

  it('counts the expected sizes of files not started yet in the total', async () => {
    const events: DownloadProgress[] = [];
    const expected = new Map([['base.safetensors', 10], ['sr.safetensors', 30]]);
    const storage = progressStorage(chunkedStorage({ 'cascade.json': 2, 'base.safetensors': 10, 'sr.safetensors': 30 }), (p) => events.push(p), expected);
    await storage.read('cascade.json');
    expect(events.at(-1)).toMatchObject({ loaded: 2, total: 42 });
    await storage.read('base.safetensors');
    expect(events.map((e) => e.total).every((total) => total === 42)).toBe(true);
    await storage.read('sr.safetensors');
    expect(events.at(-1)).toMatchObject({ loaded: 42, total: 42, files: 3 });
  });
});

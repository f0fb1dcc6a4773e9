import { describe, expect, it } from 'vitest';
import { joinPath, memoryStorage, normalizePath } from './memory-storage';

describe('memoryStorage', () => {
  it('stores copies, reads copies, and normalises paths', async () => {
    const storage = memoryStorage();
    const bytes = Uint8Array.of(1, 2, 3);
    await storage.write('run//ckpt/./model.bin', bytes);
    bytes[0] = 9;
    const read = await storage.read('run/ckpt/model.bin');
    expect(Array.from(read)).toEqual([1, 2, 3]);
    read[1] = 9;
    expect(Array.from(await storage.read('run/ckpt/model.bin'))).toEqual([1, 2, 3]);
    expect(await storage.exists('run/ckpt/model.bin')).toBe(true);
    expect(storage.list()).toEqual(['run/ckpt/model.bin']);
    expect(storage.delete('run/ckpt/model.bin')).toBe(true);
    await expect(storage.read('run/ckpt/model.bin')).rejects.toThrow(expect.objectContaining({ code: 'CDM_NOT_FOUND', message: expect.stringContaining('No file at "run/ckpt/model.bin" in memory storage') }));
  });
});

describe('paths', () => {
  it('normalises and joins relative, absolute and URL paths', () => {
    expect(normalizePath('a/./b//c/../d')).toBe('a/b/d');
    expect(joinPath('demo', 'base/config.json')).toBe('demo/base/config.json');
    expect(joinPath('demo/cascade', '../sr/model.safetensors')).toBe('demo/sr/model.safetensors');
    expect(joinPath('/srv/demo', 'base')).toBe('/srv/demo/base');
    expect(joinPath('https://host/models/demo', 'base/ema.safetensors')).toBe('https://host/models/demo/base/ema.safetensors');
    expect(joinPath('demo', 'https://cdn/x.bin')).toBe('https://cdn/x.bin');
    expect(joinPath('demo', '/abs/x.bin')).toBe('/abs/x.bin');
  });
});

describe('memoryStorage: ranges, listing, removal', () => {
  it('reads ranges, lists one level and removes a file or a whole directory', async () => {
    const storage = memoryStorage({ 'd/a.bin': Uint8Array.of(1, 2, 3, 4), 'd/e/b.bin': Uint8Array.of(5), 'f.bin': Uint8Array.of(6) });
    expect([...(await storage.readRange!('d/a.bin', 1, 2))]).toEqual([2, 3]);
    expect([...(await storage.readRange!('d/a.bin', 3, 9))]).toEqual([4]);
    expect(await storage.listDirectory!('d')).toEqual(['a.bin', 'e']);
    expect(await storage.listDirectory!('')).toEqual(['d', 'f.bin']);
    await storage.remove!('d/e');
    expect(storage.list()).toEqual(['d/a.bin', 'f.bin']);
    await storage.remove!('f.bin');
    expect(storage.list()).toEqual(['d/a.bin']);
  });
});

describe('memoryStorage: append', () => {
  it('appends to a file, creating it when missing', async () => {
    const storage = memoryStorage();
    await storage.append!('log/a.txt', Uint8Array.of(1, 2));
    await storage.append!('log/a.txt', Uint8Array.of(3));
    expect([...(await storage.read('log/a.txt'))]).toEqual([1, 2, 3]);
  });
});

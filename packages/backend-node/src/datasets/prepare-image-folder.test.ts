import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PREPARED_DATASET_MANIFEST } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSharp } from '../image/image-decoder';
import { pngCodec } from '../image/png-codec';
import { fitImageBytes } from './fit-image';
import { prepareImageFolder, preparedDatasetPath } from './prepare-image-folder';

let dir = '';
let root = '';
const codec = pngCodec();

/** Image `id` of a class: 5×3 grey with a ramp, so crops and resampling show in the bytes. */
function raw(id: number) {
  return { width: 5, height: 3, channels: 1 as const, data: Uint8Array.from({ length: 15 }, (_, i) => (id * 37 + i * 11) % 256) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdm-prepare-'));
  root = join(dir, 'images');
  for (const [c, name] of ['boot', 'coat'].entries()) {
    await mkdir(join(root, name), { recursive: true });
    for (let i = 0; i < 3; i++) await writeFile(join(root, name, `${i}.png`), await codec.encodePng(raw(10 * c + i)));
  }
  await writeFile(join(root, 'boot', 'corrupt.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9, 9]));
  await writeFile(join(root, 'coat', 'empty.jpg'), new Uint8Array(0));
  await writeFile(join(root, 'coat', 'notes.txt'), 'not an image');
  await writeFile(join(root, 'coat', '.DS_Store'), 'finder');
  await mkdir(join(root, 'dress')); // an empty class
  await writeFile(join(root, 'README'), 'loose file');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('prepareImageFolder', () => {
  it('decodes every image once, lists what it skipped and ignored, and reuses the result while the folder is unchanged', async () => {
    const cacheDir = join(dir, 'cache');
    const first = await prepareImageFolder({ root, resolution: 3, channels: 1, cacheDir, decoder: 'js' });
    expect(first.reused).toBe(false);
    const { manifest } = first;
    expect(manifest.classNames).toEqual(['boot', 'coat', 'dress']);
    expect(manifest.classCounts).toEqual([3, 3, 0]);
    expect(first.emptyClasses).toEqual(['dress']);
    expect(manifest.skipped.map((s) => s.path)).toEqual(['boot/corrupt.png', 'coat/empty.jpg']);
    expect(manifest.skipped[1]!.reason).toMatch(/empty file/);
    expect(manifest.ignored.map((s) => s.path).sort()).toEqual(['README', 'coat/.DS_Store', 'coat/notes.txt']);
    expect(manifest.sources.map((s) => s.path)).toEqual(['boot/0.png', 'boot/1.png', 'boot/2.png', 'coat/0.png', 'coat/1.png', 'coat/2.png']);
    expect(first.path).toBe(preparedDatasetPath(root, 3, 1, cacheDir));

    const shard = new Uint8Array(await import('node:fs/promises').then((fs) => fs.readFile(join(first.path, manifest.shards[0]!))));
    expect(shard.length).toBe(6 * manifest.recordBytes);
    for (let r = 0; r < 6; r++) {
      const record = shard.subarray(r * manifest.recordBytes, (r + 1) * manifest.recordBytes);
      expect(record[0]! | (record[1]! << 8)).toBe(r < 3 ? 0 : 1);
      expect([...record.subarray(2)]).toEqual([...fitImageBytes(raw(10 * Math.floor(r / 3) + (r % 3)), 3, 1)]);
    }

    const again = await prepareImageFolder({ root, resolution: 3, channels: 1, cacheDir, decoder: 'js' });
    expect(again.reused).toBe(true);
    expect(again.manifest.createdAt).toBe(manifest.createdAt);

    await utimes(join(root, 'boot', '1.png'), new Date(), new Date(Date.now() + 5000));
    const rebuilt = await prepareImageFolder({ root, resolution: 3, channels: 1, cacheDir, decoder: 'js' });
    expect(rebuilt.reused).toBe(false);
    expect(rebuilt.manifest.key).not.toBe(manifest.key);
  });

  it('in strict mode names every unreadable file and writes no manifest', async () => {
    const cacheDir = join(dir, 'strict-cache');
    const error = await prepareImageFolder({ root, resolution: 2, channels: 1, cacheDir, decoder: 'js', onUnreadable: 'fail' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CDM_UNREADABLE_FILE' });
    expect((error as Error).message).toMatch(/2 files in [\s\S]*boot\/corrupt\.png[\s\S]*coat\/empty\.jpg/);
    const path = preparedDatasetPath(root, 2, 1, cacheDir);
    expect(await readdir(path).catch(() => [] as string[]).then((names) => names.includes(PREPARED_DATASET_MANIFEST))).toBe(false);
  });

  it('gives the same records with sharp as with the JavaScript decoder for lossless PNGs', async () => {
    if ((await loadSharp()) === undefined) return expect.fail('sharp is an optional dependency that installs on this platform; it is missing');
    const js = await prepareImageFolder({ root, resolution: 3, channels: 3, cacheDir: join(dir, 'js'), decoder: 'js' });
    const sharp = await prepareImageFolder({ root, resolution: 3, channels: 3, cacheDir: join(dir, 'sharp'), decoder: 'sharp' });
    expect(sharp.manifest.decoder).toMatch(/^sharp /);
    expect(sharp.manifest.skipped.map((s) => s.path)).toEqual(js.manifest.skipped.map((s) => s.path));
    const read = (p: string, m: typeof js.manifest) => import('node:fs/promises').then((fs) => fs.readFile(join(p, m.shards[0]!)));
    expect(Buffer.compare(await read(js.path, js.manifest), await read(sharp.path, sharp.manifest))).toBe(0);
  });

  it('refuses bad settings with coded errors', async () => {
    await expect(prepareImageFolder({ root, resolution: 0 })).rejects.toMatchObject({ code: 'CDM_INVALID_ARGUMENT' });
    await expect(prepareImageFolder({ root, resolution: 4, channels: 2 as 1 })).rejects.toMatchObject({ code: 'CDM_INVALID_ARGUMENT' });
    await expect(prepareImageFolder({ root: join(dir, 'nope'), resolution: 4, cacheDir: join(dir, 'c') })).rejects.toMatchObject({ code: 'CDM_UNREADABLE_FILE' });
  });
});

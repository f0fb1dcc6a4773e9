import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpuBackend, pngCodec } from '@cdm/backend-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdm, microBaseConfig, tempDir } from '../testing/micro-cascade';

let dir = '';
let folder = '';
let env: Record<string, string> = {};

/** A labelled folder as users have them: good PNGs in two classes, an empty class, and junk. */
beforeAll(async () => {
  dir = await tempDir('cdm-data-');
  folder = join(dir, 'photos');
  env = { CDM_CACHE_DIR: join(dir, 'cache') };
  const codec = pngCodec();
  for (const [c, name] of ['jacket', 'shoe'].entries()) {
    await mkdir(join(folder, name), { recursive: true });
    for (let i = 0; i < 4; i++) {
      const data = Uint8Array.from({ length: 12 * 10 * 3 }, (_, j) => (c * 90 + i * 20 + j) % 256);
      await writeFile(join(folder, name, `${i}.png`), await codec.encodePng({ width: 12, height: 10, channels: 3, data }));
    }
  }
  await writeFile(join(folder, 'jacket', 'broken.png'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  await writeFile(join(folder, 'shoe', 'zero.jpg'), new Uint8Array(0));
  await writeFile(join(folder, 'shoe', 'labels.txt'), 'shoe\n');
  await mkdir(join(folder, 'scarf'));
  await cpuBackend().init();
});

describe('cdm train on an image folder with unreadable files', () => {
  it('prepares the folder, trains to the end, and lists exactly the unreadable files as skipped', async () => {
    const config = microBaseConfig({
      runDir: 'runs/photos',
      stage: { ...microBaseConfig().stage, numClasses: 3, nullClass: 3 },
      dataset: { type: 'image-folder', path: 'photos' },
      training: { steps: 2, batchSize: 2, lr: 1e-3, logEvery: 1, seed: 1 },
    });
    await writeFile(join(dir, 'photos.json'), JSON.stringify(config));
    const run = await cdm(['train', join(dir, 'photos.json'), '--backend', 'tfjs-cpu'], { env });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/8 images in 3 classes: jacket 4 · scarf 0 · shoe 4/);
    expect(run.stdout).toMatch(/Skipped 2 unreadable files:\n\s+jacket\/broken\.png: .+\n\s+shoe\/zero\.jpg: empty file/);
    expect(run.stdout).toMatch(/Ignored 1 entry that is not an image:\n\s+shoe\/labels\.txt/);
    expect(run.stdout).toMatch(/Warning: no images in scarf/);
    expect(run.stdout).toMatch(/Trained base8 to step 2/);
    const summary = JSON.parse(await readFile(join(dir, 'runs/photos/dataset.json'), 'utf8'));
    expect(summary.skipped.map((f: { path: string }) => f.path)).toEqual(['jacket/broken.png', 'shoe/zero.jpg']);
    expect(summary.ignored.map((f: { path: string }) => f.path)).toEqual(['shoe/labels.txt']);
    expect(summary.emptyClasses).toEqual(['scarf']);
  });

  it('with onUnreadable "fail" refuses before step 1, naming every unreadable file', async () => {
    const config = microBaseConfig({
      runDir: 'runs/strict',
      stage: { ...microBaseConfig().stage, numClasses: 3, nullClass: 3 },
      dataset: { type: 'image-folder', path: 'photos', onUnreadable: 'fail' },
    });
    await writeFile(join(dir, 'strict.json'), JSON.stringify(config));
    const run = await cdm(['train', join(dir, 'strict.json'), '--backend', 'tfjs-cpu'], { env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/2 files in .*photos cannot be read:\n\s+jacket\/broken\.png: .+\n\s+shoe\/zero\.jpg/);
    expect(run.stderr).toContain('CDM_UNREADABLE_FILE');
    await expect(readFile(join(dir, 'runs/strict/state.json'))).rejects.toThrow();
  });
});

describe('cdm data', () => {
  it('prepare builds once and then reuses; inspect reads folders and prepared datasets', async () => {
    const first = await cdm(['data', 'prepare', folder, '--resolution', '4', '--channels', '1', '--json'], { env });
    expect(first.code).toBe(0);
    const built = first.json();
    expect(built).toMatchObject({ ok: true, reused: false, summary: { images: 8, resolution: 4, channels: 1 } });
    const again = await cdm(['data', 'prepare', folder, '--resolution', '4', '--channels', '1', '--json'], { env });
    expect(again.json()).toMatchObject({ reused: true, path: built.path });

    const inspectFolder = await cdm(['data', 'inspect', folder, '--resolution', '4', '--channels', '1'], { env });
    expect(inspectFolder.code).toBe(0);
    expect(inspectFolder.stdout).toMatch(/10 images in 3 classes: jacket 5 · scarf 0 · shoe 5/); // not decoded: the broken files count
    expect(inspectFolder.stdout).toMatch(/up to date; 2 unreadable file\(s\) left out/);
    const inspectPrepared = await cdm(['data', 'inspect', built.path, '--json'], { env });
    expect(inspectPrepared.json()).toMatchObject({ kind: 'prepared', summary: { images: 8, classes: [{ name: 'jacket', count: 4 }, { name: 'scarf', count: 0 }, { name: 'shoe', count: 4 }] } });
  });

  it('strict prepare fails with a coded error and a non-zero exit', async () => {
    const run = await cdm(['data', 'prepare', folder, '--resolution', '5', '--strict'], { env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('CDM_UNREADABLE_FILE');
  });
});

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCdmError } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChildScript } from '../testing/bundle-child-script';
import { fsStorage } from './fs-storage';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdm-fs-storage-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A file of `size` bytes all equal to `value`: any mix of two versions is detectable. */
const filled = (size: number, value: number) => new Uint8Array(size).fill(value);

describe('fsStorage', () => {
  it('writes, reads back, reports progress and says whether a file exists', async () => {
    const storage = fsStorage(dir);
    const bytes = Uint8Array.from({ length: 5 << 20 }, (_, i) => (i * 7) & 255);
    await storage.write('a/b/model.safetensors', bytes);
    const progress: number[] = [];
    const back = await storage.read('a/b/model.safetensors', { onProgress: (loaded, total) => progress.push(loaded / total!) });
    expect(Buffer.compare(back, bytes)).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThan(1); // 5 MiB in 4 MiB chunks
    expect(await storage.exists('a/b/model.safetensors')).toBe(true);
    expect(await storage.exists('a/b/missing')).toBe(false);
    expect(await storage.exists('a/b')).toBe(false); // a directory is not a stored file
    expect(await readdir(join(dir, 'a/b'))).toEqual(['model.safetensors']); // no temporary file left
  });

  it('fails a read of a missing file with CDM_NOT_FOUND and an aborted read with CDM_ABORTED', async () => {
    const storage = fsStorage(dir);
    await expect(storage.read('nowhere/model.bin')).rejects.toThrow(
      expect.objectContaining({ code: 'CDM_NOT_FOUND', message: expect.stringContaining('No file at "nowhere/model.bin"') }),
    );
    await storage.write('here.bin', Uint8Array.of(1));
    const controller = new AbortController();
    controller.abort();
    await expect(storage.read('here.bin', { signal: controller.signal })).rejects.toThrow(expect.objectContaining({ code: 'CDM_ABORTED' }));
  });

  it('replaces a file and refuses paths outside its root', async () => {
    const storage = fsStorage(dir);
    await storage.write('x.bin', filled(10, 1));
    await storage.write('x.bin', filled(3, 2));
    expect(Array.from(await storage.read('x.bin'))).toEqual([2, 2, 2]);
    await expect(storage.write('../escape.bin', filled(1, 0))).rejects.toSatisfy((e) => isCdmError(e, 'CDM_INVALID_ARGUMENT'));
    await expect(storage.read('')).rejects.toThrow(/Invalid path/);
  });

  it('a failed write leaves the old content and no temporary file', async () => {
    const storage = fsStorage(dir);
    await mkdir(join(dir, 'busy/target'), { recursive: true });
    await writeFile(join(dir, 'busy/target/inside'), 'x');
    await expect(storage.write('busy/target', filled(100, 3))).rejects.toThrow(); // rename onto a non-empty directory fails
    expect((await readdir(join(dir, 'busy'))).sort()).toEqual(['target']);
  });

  it('a process killed at random moments of writing leaves the old file or the new one, never a mix', async () => {
    // The child runs this very module (bundled by esbuild) in plain Node, rewriting one 8 MiB file
    // with a new fill value each time, until the parent SIGKILLs it.
    // Written inside the package so that the child resolves tfjs from the workspace's node_modules.
    const bundle = await bundleChildScript('fs-storage-writer', `import { fsStorage } from ${JSON.stringify(fileURLToPath(new URL('./fs-storage.ts', import.meta.url)))};
          const storage = fsStorage(process.argv[2]);
          for (let i = 1; ; i++) { await storage.write('ckpt.bin', new Uint8Array(8 << 20).fill(i & 255)); process.stdout.write('w'); }`, dir);
    const root = join(dir, 'crash');
    await mkdir(root);
    let total = 0;
    // A loaded machine may start the child too slowly for the short delays to land during writes:
    // longer ones follow until some did (at most 5 more).
    const delays = [150, 190, 230, 270, 320, 380];
    for (let round = 0; round < delays.length || (total === 0 && round < delays.length + 5); round++) {
      const delay = delays[round] ?? 1500;
      const child = spawn(process.execPath, [bundle, root], { stdio: ['ignore', 'pipe', 'inherit'] });
      const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      let writes = 0;
      child.stdout.on('data', (chunk: Buffer) => (writes += chunk.length));
      await new Promise((done) => setTimeout(done, delay));
      child.kill('SIGKILL');
      expect(await closed).toBeNull(); // killed, not exited on its own (e.g. a failure to start)
      total += writes;
      const files = await readdir(root);
      if (files.includes('ckpt.bin')) {
        const content = await readFile(join(root, 'ckpt.bin'));
        expect(content.length).toBe(8 << 20);
        expect(content.every((b) => b === content[0])).toBe(true);
      }
      for (const stray of files.filter((f) => f.endsWith('.tmp'))) await rm(join(root, stray)); // allowed leftovers
    }
    expect(total).toBeGreaterThan(0); // the kills did land between and during writes
    await rm(dirname(bundle), { recursive: true, force: true });
  });
});

describe('fsStorage: ranges, listing, removal', () => {
  it('reads a byte range without the rest, short at the end of the file', async () => {
    const storage = fsStorage(dir);
    await storage.write('range/data.bin', Uint8Array.from({ length: 100 }, (_, i) => i));
    expect([...(await storage.readRange!('range/data.bin', 10, 5))]).toEqual([10, 11, 12, 13, 14]);
    expect([...(await storage.readRange!('range/data.bin', 97, 10))]).toEqual([97, 98, 99]);
    await expect(storage.readRange!('range/missing.bin', 0, 1)).rejects.toMatchObject({ code: 'CDM_NOT_FOUND' });
    await expect(storage.readRange!('range/data.bin', -1, 1)).rejects.toMatchObject({ code: 'CDM_INVALID_ARGUMENT' });
  });

  it('lists a directory sorted and removes files and directories', async () => {
    const storage = fsStorage(dir);
    await storage.write('tree/b/x.bin', new Uint8Array(1));
    await storage.write('tree/a.bin', new Uint8Array(1));
    expect(await storage.listDirectory!('tree')).toEqual(['a.bin', 'b']);
    expect(await storage.listDirectory!('no-such-dir')).toEqual([]);
    await storage.remove!('tree/b');
    await storage.remove!('tree/never-was');
    expect(await storage.listDirectory!('tree')).toEqual(['a.bin']);
  });

  it('appends to a file, creating it and its directory when missing', async () => {
    const storage = fsStorage(dir);
    await storage.append!('appended/log.jsonl', new TextEncoder().encode('{"step":1}\n'));
    await storage.append!('appended/log.jsonl', new TextEncoder().encode('{"step":2}\n'));
    expect(await readFile(join(dir, 'appended/log.jsonl'), 'utf8')).toBe('{"step":1}\n{"step":2}\n');
  });
});

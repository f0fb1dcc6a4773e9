import { mkdtemp, readdir, readFile, rm, utimes, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCdmError } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSystemError } from './fs-errors';
import { fsStorage } from './fs-storage';
import { removeStaleTemporaryFiles } from './stale-temporary-files';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdm-fs-errors-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const errno = (code: string, syscall: string) => Object.assign(new Error(`${code}: ${syscall}`), { code, syscall });

describe('fileSystemError', () => {
  it('gives each condition its own code, saying what to do', () => {
    const full = fileSystemError(errno('ENOSPC', 'write'), '/runs/a/model.safetensors');
    expect(isCdmError(full, 'CDM_DISK_FULL')).toBe(true);
    expect((full as Error).message).toBe(
      'Cannot write /runs/a/model.safetensors: no space left on the device. Free some space (or raise the quota) and run the command again, or write somewhere else; files that were already there are unchanged [CDM_DISK_FULL]',
    );
    expect(isCdmError(fileSystemError(errno('EDQUOT', 'write'), '/x'), 'CDM_DISK_FULL')).toBe(true);
    expect((fileSystemError(errno('EROFS', 'open'), '/ro/x.png') as Error).message).toMatch(/^Cannot write \/ro\/x\.png: the file system is read-only\. Write to a directory on a writable file system/);
    expect((fileSystemError(errno('EACCES', 'open'), '/x', 'read') as Error).message).toMatch(/^Cannot read \/x: permission denied\. Make the file readable/);
    expect((fileSystemError(errno('EPERM', 'mkdir'), '/x') as Error).message).toMatch(/^Cannot write \/x: permission denied/);
    expect((fileSystemError(errno('ENOTDIR', 'mkdir'), '/f/x.png') as Error).message).toBe(
      'Cannot write /f/x.png: a part of the path is a file, not a directory. Choose another path, or move what is in the way [CDM_PATH_CONFLICT]',
    );
    expect(isCdmError(fileSystemError(errno('EISDIR', 'rename'), '/d'), 'CDM_PATH_CONFLICT')).toBe(true);
  });

  it('EIO and ESTALE (a failing disk or mount) are CDM_IO_ERROR, saying to check the mount and run again; ETIMEDOUT only from a file system', () => {
    const eio = fileSystemError(errno('EIO', 'read'), '/data/cifar/data_batch_1.bin');
    expect(isCdmError(eio, 'CDM_IO_ERROR')).toBe(true);
    expect((eio as Error).message).toBe(
      'Cannot read /data/cifar/data_batch_1.bin: input/output error (EIO: the device or the mount failed). Check the disk or the mount (dmesg; for a network file system, its server and connection), then run the same command again: files written before are unchanged, and a training run resumes from its last checkpoint [CDM_IO_ERROR]',
    );
    expect((fileSystemError(errno('EIO', 'fsync'), '/runs/a/state.json') as Error).message).toMatch(/^Cannot write \/runs\/a\/state\.json: input\/output error \(EIO/);
    expect((fileSystemError(errno('EIO', 'write'), '/x', 'read') as Error).message).toMatch(/^Cannot read \/x:/); // the caller's action wins
    expect((fileSystemError(errno('ESTALE', 'open'), '/nfs/x', 'read') as Error).message).toMatch(/^Cannot read \/nfs\/x: the file handle went stale \(ESTALE: .*\[CDM_IO_ERROR\]$/);
    // ETIMEDOUT: a file-system call (an action, or a path on the error) is CDM_IO_ERROR; a socket's is left alone.
    expect((fileSystemError(errno('ETIMEDOUT', 'read'), '/nfs/x', 'read') as Error).message).toMatch(/^Cannot read \/nfs\/x: the file system timed out \(ETIMEDOUT\).*\[CDM_IO_ERROR\]$/);
    expect(isCdmError(fileSystemError(Object.assign(errno('ETIMEDOUT', 'open'), { path: '/nfs/x' }), '/nfs/x'), 'CDM_IO_ERROR')).toBe(true);
    const socket = Object.assign(errno('ETIMEDOUT', 'connect'), { address: '10.0.0.1', port: 6379 });
    expect(fileSystemError(socket, 'a file')).toBe(socket);
    const bare = errno('ETIMEDOUT', 'read');
    expect(fileSystemError(bare, 'a file')).toBe(bare);
  });

  it('keeps the cause, and leaves other errors (and ENOTDIR on a read) alone', () => {
    const cause = errno('ENOSPC', 'write');
    expect((fileSystemError(cause, '/x') as Error).cause).toBe(cause);
    const io = errno('EIO', 'read');
    expect((fileSystemError(io, '/x') as Error).cause).toBe(io);
    const other = errno('ECONNRESET', 'read');
    expect(fileSystemError(other, '/x')).toBe(other);
    const missing = errno('ENOTDIR', 'open');
    expect(fileSystemError(missing, '/x', 'read')).toBe(missing);
  });
});

describe('fsStorage file-system errors', () => {
  it('a write under a file is CDM_PATH_CONFLICT and a write over a directory too; nothing is left behind', async () => {
    const storage = fsStorage(dir);
    await writeFile(join(dir, 'plain'), 'x');
    await expect(storage.write('plain/sub/out.png', Uint8Array.of(1))).rejects.toThrow(expect.objectContaining({ code: 'CDM_PATH_CONFLICT' }));
    await mkdir(join(dir, 'folder'));
    await expect(storage.write('folder', Uint8Array.of(1))).rejects.toThrow(expect.objectContaining({ code: 'CDM_PATH_CONFLICT', message: expect.stringContaining('it is a directory') }));
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(await readFile(join(dir, 'plain'), 'utf8')).toBe('x');
    expect(await storage.exists('plain/sub/out.png')).toBe(false); // not an error: nothing is there
  });
});

describe('removeStaleTemporaryFiles', () => {
  it('removes only `.<name>.<12 hex>.tmp` files older than the given time, in sub-directories too', async () => {
    const run = join(dir, 'run');
    await mkdir(join(run, 'checkpoints/step-0000002'), { recursive: true });
    const old = Date.now() / 1000 - 3600;
    const files = {
      stale: join(run, '.state.json.0123456789ab.tmp'),
      staleDeep: join(run, 'checkpoints/step-0000002/.model.safetensors.a1b2c3d4e5f6.tmp'),
      fresh: join(run, '.log.jsonl.ffffffffffff.tmp'),
      notOurs: join(run, 'notes.tmp'),
      shortHex: join(run, '.state.json.0123.tmp'),
      upperHex: join(run, '.state.json.0123456789AB.tmp'),
      lock: join(run, 'run.lock.0123456789abcdef.tmp'),
    };
    for (const path of Object.values(files)) await writeFile(path, 'x');
    for (const [key, path] of Object.entries(files)) if (key !== 'fresh') await utimes(path, old, old);
    await symlink(files.notOurs, join(run, '.link.0123456789ab.tmp'));
    const started = Date.now() - 60_000;
    const removed = await removeStaleTemporaryFiles(run, { olderThan: started });
    expect(removed).toEqual([files.stale, files.staleDeep].sort());
    const left = (await readdir(run)).sort();
    expect(left).toEqual(['.link.0123456789ab.tmp', '.log.jsonl.ffffffffffff.tmp', '.state.json.0123.tmp', '.state.json.0123456789AB.tmp', 'checkpoints', 'notes.tmp', 'run.lock.0123456789abcdef.tmp']);
    expect(await removeStaleTemporaryFiles(join(dir, 'no-such-run'), { olderThan: Date.now() })).toEqual([]);
  });

  it('with recursive false and `only`, removes just the temporary files of the named targets in the directory itself', async () => {
    const out = join(dir, 'out');
    await mkdir(join(out, 'sub'), { recursive: true });
    const old = Date.now() / 1000 - 3600;
    const files = {
      image: join(out, '.007-star.png.0123456789ab.tmp'),
      other: join(out, '.notes.txt.0123456789ab.tmp'),
      deep: join(out, 'sub', '.001.png.0123456789ab.tmp'),
    };
    for (const path of Object.values(files)) {
      await writeFile(path, 'x');
      await utimes(path, old, old);
    }
    const targets: string[] = [];
    const only = (target: string) => {
      targets.push(target);
      return target.endsWith('.png');
    };
    expect(await removeStaleTemporaryFiles(out, { olderThan: Date.now(), recursive: false, only })).toEqual([files.image]);
    expect(targets.sort()).toEqual(['007-star.png', 'notes.txt']);
    expect((await readdir(out)).sort()).toEqual(['.notes.txt.0123456789ab.tmp', 'sub']);
    expect(await readdir(join(out, 'sub'))).toEqual(['.001.png.0123456789ab.tmp']);
  });
});

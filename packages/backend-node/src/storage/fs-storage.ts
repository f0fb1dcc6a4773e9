import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { appendFile, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { errors, type Storage, type StorageReadOptions } from '@cdm/core';
import { fileSystemError, makeDirectories, withFileSystemErrors } from './fs-errors';

/**
 * `Storage` on the local file system under `root`. Paths are '/'-separated and relative to `root`
 * (they may not climb out of it).
 *
 * `write` is atomic: the bytes go to a temporary file in the same directory, which is fsynced and
 * then renamed over the target (rename within a directory is atomic on POSIX file systems and on
 * NTFS), and the directory is fsynced so that the rename itself survives a power cut. A process
 * killed at any moment leaves the old file or the new one, never a mix; at worst it leaves a
 * temporary file named `.<name>.<random>.tmp` behind (`removeStaleTemporaryFiles` clears those).
 *
 * File-system conditions fail with coded errors naming the path: CDM_NOT_FOUND (reads),
 * CDM_DISK_FULL, CDM_READ_ONLY_FILE_SYSTEM, CDM_PERMISSION_DENIED, CDM_PATH_CONFLICT (a file
 * where a directory must be) and CDM_IO_ERROR (EIO: a failing disk or mount, on reads too); a failed
 * write leaves the file it would have replaced unchanged.
 */
export function fsStorage(root: string): Storage {
  const base = resolve(root);
  const locate = (path: string, rootAllowed = false) => {
    if (typeof path !== 'string' || (path === '' && !rootAllowed)) throw errors.invalidArgument('path', 'a non-empty relative path', path);
    const full = resolve(base, ...path.split('/'));
    const inside = relative(base, full);
    if ((inside === '' && !rootAllowed) || inside.startsWith('..') || isAbsolute(inside)) throw errors.invalidArgument('path', `a file path inside ${base}`, path);
    return full;
  };

  /** Opens a file to read, with coded errors: CDM_NOT_FOUND, a directory refused, or the file-system condition. */
  const openForReading = async (full: string, path: string) => {
    try {
      return await open(full, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw errors.notFound(path, `the file system under ${base}`);
      if (code === 'EISDIR') throw errors.invalidArgument('path', 'a file', `the directory ${path}`);
      throw fileSystemError(error, full, 'read');
    }
  };

  return {
    name: 'fs',
    async read(path: string, options: StorageReadOptions = {}) {
      const full = locate(path);
      if (options.signal?.aborted) throw errors.aborted(`Reading ${path}`);
      const file = await openForReading(full, path);
      try {
        const total = (await file.stat()).size;
        const bytes = new Uint8Array(total);
        let loaded = 0;
        while (loaded < total) {
          if (options.signal?.aborted) throw errors.aborted(`Reading ${path}`);
          const { bytesRead } = await file.read(bytes, loaded, Math.min(total - loaded, 1 << 22), loaded);
          if (bytesRead === 0) break; // the file shrank meanwhile
          loaded += bytesRead;
          options.onProgress?.(loaded, total);
        }
        return loaded === total ? bytes : bytes.subarray(0, loaded);
      } catch (error) {
        throw fileSystemError(error, full, 'read'); // EIO from a failing disk → CDM_IO_ERROR
      } finally {
        await file.close().catch(() => {});
      }
    },

    async write(path: string, bytes: Uint8Array) {
      const full = locate(path);
      const dir = dirname(full);
      await makeDirectories(dir);
      const temp = join(dir, `.${full.slice(dir.length + sep.length)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        const file = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
        try {
          let written = 0;
          while (written < bytes.length) written += (await file.write(bytes, written, bytes.length - written)).bytesWritten;
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temp, full);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw fileSystemError(error, full, 'write');
      }
      await withFileSystemErrors(full, 'write', () => syncDirectory(dir));
    },

    async readRange(path: string, offset: number, length: number) {
      if (!Number.isInteger(offset) || offset < 0) throw errors.invalidArgument('offset', 'a non-negative integer', offset);
      if (!Number.isInteger(length) || length < 0) throw errors.invalidArgument('length', 'a non-negative integer', length);
      const full = locate(path);
      const file = await openForReading(full, path);
      try {
        const bytes = new Uint8Array(length);
        let loaded = 0;
        while (loaded < length) {
          const { bytesRead } = await file.read(bytes, loaded, length - loaded, offset + loaded);
          if (bytesRead === 0) break; // end of file
          loaded += bytesRead;
        }
        return loaded === length ? bytes : bytes.subarray(0, loaded);
      } catch (error) {
        throw fileSystemError(error, full, 'read');
      } finally {
        await file.close().catch(() => {});
      }
    },

    async append(path: string, bytes: Uint8Array) {
      const full = locate(path);
      await makeDirectories(dirname(full));
      await withFileSystemErrors(full, 'write', () => appendFile(full, bytes));
    },

    async remove(path: string) {
      const full = locate(path);
      await withFileSystemErrors(full, 'write', () => rm(full, { force: true, recursive: true }));
    },

    async listDirectory(path: string) {
      const full = locate(path, true);
      try {
        return (await readdir(full)).sort();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return [];
        throw fileSystemError(error, full, 'read');
      }
    },

    async exists(path: string) {
      const full = locate(path);
      try {
        return (await stat(full)).isFile();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return false;
        throw fileSystemError(error, full, 'read');
      }
    },
  };
}

/** fsync on a directory makes a rename in it durable; Windows cannot open directories for that. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

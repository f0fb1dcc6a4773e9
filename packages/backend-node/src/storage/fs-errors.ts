import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errors } from '@cdm/core';

/** System calls that change the file system: their ENOTDIR / EEXIST mean a path is in the way, not missing. */
const WRITING_CALLS = new Set(['mkdir', 'rename', 'write', 'link', 'symlink', 'unlink', 'rmdir', 'rm', 'fsync', 'close', 'ftruncate', 'copyfile']);

/**
 * A Node file-system error as the coded error that says what to do: ENOSPC/EDQUOT → CDM_DISK_FULL,
 * EROFS → CDM_READ_ONLY_FILE_SYSTEM, EACCES/EPERM → CDM_PERMISSION_DENIED, and on a write
 * EEXIST/ENOTDIR/EISDIR → CDM_PATH_CONFLICT, and EIO/ESTALE (a failing disk, a network file system
 * that went away) → CDM_IO_ERROR. ETIMEDOUT is CDM_IO_ERROR only when it is known to come from the
 * file system (`action` given, or the error names a `path` and no network `address`), since sockets
 * time out with the same code. Anything else (ENOENT included, which callers report as not found in
 * their own words) is returned unchanged. `action` says whether the caller was reading or writing;
 * without it the failed system call decides.
 */
export function fileSystemError(error: unknown, path: string, action?: 'read' | 'write'): unknown {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const fromFileSystem = action !== undefined || (typeof (error as NodeJS.ErrnoException | undefined)?.path === 'string' && !('address' in (error as object)));
  const writing = action === undefined ? syscall !== undefined && WRITING_CALLS.has(syscall) : action === 'write';
  const coded = (() => {
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT':
        return errors.diskFull(path);
      case 'EROFS':
        return errors.readOnlyFileSystem(path);
      case 'EACCES':
      case 'EPERM':
        return errors.permissionDenied(path, writing ? 'write' : 'read');
      case 'EEXIST':
      case 'ENOTDIR':
        return writing ? errors.pathConflict(path, 'a part of the path is a file, not a directory') : undefined;
      case 'EISDIR':
        return writing ? errors.pathConflict(path, 'it is a directory') : undefined;
      case 'EIO':
      case 'ESTALE':
        return errors.ioError(path, writing ? 'write' : 'read', code);
      case 'ETIMEDOUT':
        return fromFileSystem ? errors.ioError(path, writing ? 'write' : 'read', code) : undefined;
      default:
        return undefined;
    }
  })();
  if (coded === undefined) return error;
  Object.defineProperty(coded, 'cause', { value: error, configurable: true, writable: true }); // keeps the errno and syscall for --verbose
  return coded;
}

/** Runs a file-system operation, turning its errors into coded ones (see `fileSystemError`). */
export async function withFileSystemErrors<T>(path: string, action: 'read' | 'write', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw fileSystemError(error, path, action);
  }
}

/**
 * `mkdir -p` whose errors say what went wrong: Node's recursive mkdir reports ENOENT for a parent it
 * could not create on a read-only file system (EROFS) and for some other failures, so on ENOENT the
 * missing directories are created one level at a time to learn the real cause. Errors are coded
 * (see `fileSystemError`), naming `dir`.
 */
export async function makeDirectories(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fileSystemError(error, dir, 'write');
  }
  const missing: string[] = [];
  for (let current = dir; !(await stat(current).then(() => true, () => false)); current = dirname(current)) {
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing) {
    try {
      await mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileSystemError(error, dir, 'write');
    }
  }
}

import { isAbsolute, parse, relative, resolve, sep } from 'node:path';
import { errors, type Storage } from '@cdm/core';
import { fsStorage } from '@cdm/backend-node';

/**
 * The file system as a core `Storage` over absolute paths (rooted at the file-system root, so a
 * manifest may point anywhere, `../weights/sr16` included). An adapter over backend-node's
 * `fsStorage`, whose `read` rejects a missing file with Node's raw ENOENT error: here a missing
 * file is core's CDM_NOT_FOUND naming the path, as `memoryStorage` does, and an aborted read is
 * CDM_ABORTED rather than a DOMException, so both keep their codes through `loadCascade` (which
 * would otherwise report them as a failed plugin).
 */
export function fileStorage(): Storage {
  const inner = fsStorage(parse(process.cwd()).root);
  return {
    name: 'fs',
    async read(path, options) {
      try {
        return await inner.read(toStoragePath(path), options);
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw errors.aborted(`Reading ${storageToFsPath(path)}`);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') throw errors.notFound(storageToFsPath(path), 'the file system');
        if (code === 'EISDIR') throw errors.invalidArgument(storageToFsPath(path), 'a file', 'a directory');
        throw error;
      }
    },
    write: (path, bytes) => inner.write(toStoragePath(path), bytes),
    exists: (path) => inner.exists(toStoragePath(path)),
  };
}

/** An absolute file-system path as a `/`-separated storage path (absolute paths stay absolute). */
export function toStoragePath(path: string): string {
  if (!isAbsolute(path)) return path.split(sep).join('/');
  const root = parse(path).root;
  return `/${relative(root, path).split(sep).join('/')}`;
}

/** The file-system path a storage path names. */
export function storageToFsPath(path: string): string {
  return sep === '/' ? path : resolve(parse(process.cwd()).root, ...path.split('/'));
}

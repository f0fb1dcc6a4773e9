import { isAbsolute, parse, relative, resolve, sep } from 'node:path';
import type { Storage } from '@cdm/core';
import { fsStorage } from '@cdm/backend-node';

/**
 * The file system as a core `Storage` over absolute paths (rooted at the file-system root, so a
 * manifest may point anywhere, `../weights/sr16` included), on backend-node's `fsStorage`, whose
 * reads fail with CDM_NOT_FOUND / CDM_ABORTED.
 */
export function fileStorage(): Storage {
  const inner = fsStorage(parse(process.cwd()).root);
  return {
    name: 'fs',
    read: (path, options) => inner.read(toStoragePath(path), options),
    write: (path, bytes) => inner.write(toStoragePath(path), bytes),
    exists: (path) => inner.exists(toStoragePath(path)),
    readRange: (path, offset, length) => inner.readRange!(toStoragePath(path), offset, length),
    remove: (path) => inner.remove!(toStoragePath(path)),
    listDirectory: (path) => inner.listDirectory!(toStoragePath(path)),
    append: (path, bytes) => inner.append!(toStoragePath(path), bytes),
  };
}

/**
 * Writes a file the CLI produces (a PNG, a report, a hand-over) atomically through `fsStorage`:
 * the old file, if any, stays intact until the new one is complete, and file-system conditions fail
 * with their coded errors (CDM_DISK_FULL, CDM_READ_ONLY_FILE_SYSTEM, …). Creates missing directories.
 */
export async function writeFileAtomic(path: string, content: Uint8Array | string): Promise<void> {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  await fileStorage().write(toStoragePath(resolve(path)), bytes);
}

/** An absolute file-system path as a `/`-separated storage path (absolute paths stay absolute). */
export function toStoragePath(path: string): string {
  if (!isAbsolute(path)) return path.split(sep).join('/');
  const root = parse(path).root;
  return `/${relative(root, path).split(sep).join('/')}`;
}

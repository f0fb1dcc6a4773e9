import { errors, normalizePath, type Storage, type StorageReadOptions } from '@cdm/core';
import { readBody } from './read-body';

/** Files a user chose: an `<input type=file multiple webkitdirectory>`'s FileList, a File[], or paths → Blobs. */
export type ChosenFiles = ArrayLike<File> | Iterable<File> | ReadonlyMap<string, Blob>;

/** A read-only `Storage` over files the user chose. */
export interface FileStorage extends Storage {
  /** Every file's path, relative to the folder all files lie in, sorted. */
  list(): string[];
}

/**
 * A read-only `Storage` over user-chosen files. Each File is keyed by `webkitRelativePath` when the
 * browser set it (a chosen or dropped folder), else by its `name`; a Map supplies its own paths.
 * Paths are matched relative to the folder all files lie in (the chosen or dropped folder), so for a dropped `demo/` folder
 * both `cascade.json` and `demo/cascade.json` name `demo/cascade.json`. `readRange` slices the
 * Blob (`blob.slice(a, b)`), so a large weights file is never read whole. `write` rejects with
 * CDM_READ_ONLY.
 */
export function fileStorage(files: ChosenFiles): FileStorage {
  const byFullPath = new Map<string, Blob>();
  const add = (path: string, blob: Blob) => {
    const key = normalizePath(path);
    if (key === '') throw errors.invalidArgument('files', 'files with names', path);
    if (byFullPath.has(key)) throw errors.invalidArgument('files', 'distinct paths, but this one appears twice', key);
    byFullPath.set(key, blob);
  };
  if (files instanceof Map) {
    for (const [path, blob] of files as ReadonlyMap<string, Blob>) add(path, blob);
  } else {
    for (const file of Array.from(files as ArrayLike<File>)) add(file.webkitRelativePath || file.name, file);
  }
  const root = commonRootFolder([...byFullPath.keys()]);
  const byPath = new Map([...byFullPath].map(([path, blob]) => [path.slice(root.length), blob] as const));
  const where = root === '' ? 'the chosen files' : `the chosen folder "${root.slice(0, -1)}"`;
  const find = (path: string): Blob | undefined => {
    if (typeof path !== 'string' || path === '') throw errors.invalidArgument('path', 'a non-empty path', path);
    const key = normalizePath(path);
    return byPath.get(key) ?? byFullPath.get(key);
  };

  return {
    name: 'files',
    async read(path: string, options: StorageReadOptions = {}) {
      const blob = find(path);
      if (blob === undefined) throw errors.notFound(path, `${where} (${byPath.size} file${byPath.size === 1 ? '' : 's'})`);
      const body = new Response(blob.stream(), { headers: { 'content-length': String(blob.size) } });
      return readBody(body, { signal: options.signal, onProgress: options.onProgress, what: path });
    },
    async readRange(path: string, offset: number, length: number) {
      if (!Number.isSafeInteger(offset) || offset < 0) throw errors.invalidArgument('offset', 'a non-negative integer', offset);
      if (!Number.isSafeInteger(length) || length < 0) throw errors.invalidArgument('length', 'a non-negative integer', length);
      const blob = find(path);
      if (blob === undefined) throw errors.notFound(path, `${where} (${byPath.size} file${byPath.size === 1 ? '' : 's'})`);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
    async write(path: string) {
      throw errors.readOnly(where, path);
    },
    exists: async (path: string) => find(path) !== undefined,
    list: () => [...byPath.keys()].sort(),
  };
}

/** The top-level folder ('demo/') that every path lies in, as when a folder is chosen or dropped; '' when they do not share one. */
export function commonRootFolder(paths: readonly string[]): string {
  const first = paths[0]?.split('/') ?? [];
  if (first.length < 2) return '';
  const folder = `${first[0]}/`;
  return paths.every((path) => path.startsWith(folder)) ? folder : '';
}

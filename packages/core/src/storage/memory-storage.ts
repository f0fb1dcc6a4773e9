import type { Storage } from '../contracts/storage';
import { errors } from '../errors';

/** A `Storage` in memory: for tests, and for scratch space where there is no file system. */
export interface MemoryStorage extends Storage {
  /** The stored paths, sorted. */
  list(): string[];
  delete(path: string): boolean;
}

/** Normalises `a/./b//c` to `a/b/c` (no `..` above the root). */
export function normalizePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** Joins storage paths with `/`, resolving `.` and `..`; an absolute URL or path in `path` wins. */
export function joinPath(base: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) return path;
  const url = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i.exec(base);
  if (url !== null) return `${url[1]}/${normalizePath(`${url[2]}/${path}`)}`;
  return (base.startsWith('/') ? '/' : '') + normalizePath(`${base}/${path}`);
}

/** Creates an empty in-memory storage; writes are atomic by construction (the bytes are copied). */
export function memoryStorage(initial: Record<string, Uint8Array> = {}): MemoryStorage {
  const files = new Map<string, Uint8Array>(Object.entries(initial).map(([path, bytes]) => [normalizePath(path), bytes.slice()]));
  return {
    name: 'memory',
    async read(path, options) {
      const bytes = files.get(normalizePath(path));
      if (bytes === undefined) throw errors.notFound(path, 'memory storage');
      options?.onProgress?.(bytes.length, bytes.length);
      return bytes.slice();
    },
    async write(path, bytes) {
      files.set(normalizePath(path), bytes.slice());
    },
    exists: async (path) => files.has(normalizePath(path)),
    async append(path, bytes) {
      const key = normalizePath(path);
      const before = files.get(key) ?? new Uint8Array(0);
      const after = new Uint8Array(before.length + bytes.length);
      after.set(before);
      after.set(bytes, before.length);
      files.set(key, after);
    },
    async readRange(path, offset, length) {
      const bytes = files.get(normalizePath(path));
      if (bytes === undefined) throw errors.notFound(path, 'memory storage');
      return bytes.slice(offset, offset + length);
    },
    async remove(path) {
      const target = normalizePath(path);
      for (const key of [...files.keys()]) if (key === target || key.startsWith(`${target}/`)) files.delete(key);
    },
    async listDirectory(path) {
      const prefix = normalizePath(path);
      const names = new Set<string>();
      for (const key of files.keys()) {
        const rest = prefix === '' ? key : key.startsWith(`${prefix}/`) ? key.slice(prefix.length + 1) : undefined;
        if (rest !== undefined) names.add(rest.split('/')[0]!);
      }
      return [...names].sort();
    },
    list: () => [...files.keys()].sort(),
    delete: (path) => files.delete(normalizePath(path)),
  };
}

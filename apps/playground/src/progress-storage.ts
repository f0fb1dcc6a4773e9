import type { Storage } from '@cdm/core';

/** What has been read so far through a `progressStorage`, file by file. */
export interface DownloadProgress {
  /** Bytes received over all files read so far. */
  readonly loaded: number;
  /** Total over every file whose size is known: the sizes expected before loading (the weights), and each other file's once its read starts. */
  readonly total: number;
  /** The file being read most recently. */
  readonly path: string;
  readonly files: number;
}

/**
 * Wraps `storage` so that every read reports progress to `listener`, summed over all files. The
 * denoisers read their checkpoints through the storage they are given without asking for progress;
 * this is how the playground still shows a download bar. `expected` holds sizes known before the
 * reads start (see expectedWeightSizes), so the total counts files that have not started yet.
 */
export function progressStorage(storage: Storage, listener: (progress: DownloadProgress) => void, expected: ReadonlyMap<string, number> = new Map()): Storage {
  const perFile = new Map<string, { loaded: number; total: number }>();
  const report = (path: string) => {
    let loaded = 0;
    let total = 0;
    for (const [name, file] of perFile) {
      loaded += file.loaded;
      total += Math.max(file.total, file.loaded, expected.get(name) ?? 0);
    }
    for (const [name, size] of expected) if (!perFile.has(name)) total += size;
    listener({ loaded, total, path, files: perFile.size });
  };
  return {
    name: `${storage.name} (with progress)`,
    async read(path, options) {
      perFile.set(path, { loaded: 0, total: 0 });
      const bytes = await storage.read(path, {
        ...options,
        onProgress: (loaded, total) => {
          perFile.set(path, { loaded, total: total ?? 0 });
          report(path);
          options?.onProgress?.(loaded, total);
        },
      });
      perFile.set(path, { loaded: bytes.length, total: bytes.length });
      report(path);
      return bytes;
    },
    write: (path, bytes) => storage.write(path, bytes),
    exists: (path) => storage.exists(path),
  };
}

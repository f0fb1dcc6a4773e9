import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** What `fsStorage`'s atomic write names its temporary file: `.<name>.<12 hex digits>.tmp`. */
export const TEMPORARY_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * In a directory that no lock guards (a `cdm sample --out-dir`, a stage directory outside the run
 * directory), a temporary file counts as stale only once it has not been written for this long:
 * another process may be in the middle of that write (10 minutes).
 */
export const TEMPORARY_FILE_GRACE_MS = 10 * 60_000;

export interface RemoveStaleTemporaryFilesOptions {
  /** Only files last modified before this time (ms since the epoch) are removed, e.g. the process start. */
  readonly olderThan: number;
  /** Also look in sub-directories (e.g. a run directory's checkpoints). Default true. */
  readonly recursive?: boolean;
  /**
   * Only temporary files for these targets: called with the name of the file the write was
   * replacing (`x.png` for `.x.png.0123456789ab.tmp`). Default: every target.
   */
  readonly only?: (target: string) => boolean;
}

/** `.<name>.<12 hex>.tmp` → `<name>`. */
const targetOf = (temporary: string) => temporary.slice(1, -'.0123456789ab.tmp'.length);

/**
 * Deletes the temporary files that atomic writes killed mid-way left in `dir`: regular files whose
 * name matches `TEMPORARY_FILE_PATTERN` exactly and that are older than `olderThan`, so a write in
 * progress (by this process, or one started since) is never touched. Symbolic links are not
 * followed. Returns the paths removed; a directory that does not exist gives [].
 */
export async function removeStaleTemporaryFiles(dir: string, options: RemoveStaleTemporaryFilesOptions): Promise<string[]> {
  const removed: string[] = [];
  const visit = async (current: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (options.recursive !== false) await visit(path);
      } else if (entry.isFile() && TEMPORARY_FILE_PATTERN.test(entry.name) && (options.only?.(targetOf(entry.name)) ?? true)) {
        const info = await lstat(path).catch(() => undefined);
        if (info === undefined || !info.isFile() || info.mtimeMs >= options.olderThan) continue;
        await unlink(path).then(
          () => removed.push(path),
          (error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          },
        );
      }
    }
  };
  await visit(dir);
  return removed.sort();
}

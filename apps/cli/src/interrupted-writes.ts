import { isAbsolute, relative } from 'node:path';
import { removeStaleTemporaryFiles, TEMPORARY_FILE_GRACE_MS } from '@cdm/backend-node';

/**
 * Clearing what killed atomic writes left: `fsStorage`'s temporary files, `.<name>.<12 hex>.tmp`
 * (`TEMPORARY_FILE_PATTERN`), which a killed `cdm` leaves next to the file it was replacing.
 */

/** The images `cdm sample --out-dir` writes: `007.png`, `007-star.png` (class names reduced to [\w.-]). */
export const OUT_DIR_IMAGE = /^\d{3,}(-[\w.-]*)?\.png$/;

/** In a directory no lock guards, only temporary files older than this process and untouched for `TEMPORARY_FILE_GRACE_MS`. */
const unguarded = () => Math.min(performance.timeOrigin, Date.now() - TEMPORARY_FILE_GRACE_MS);

/** Housekeeping: a directory that cannot be listed or cleared is left as it is (the write that needs it reports why). */
const quietly = (removing: Promise<string[]>) => removing.catch(() => [] as string[]);

/**
 * At the start of `cdm train`: the run directory, sub-directories included, and the stage
 * directory (only the directory itself). In the run directory every temporary file older than this
 * process goes, since the run lock keeps other writers out; a stage directory outside the run
 * directory has no lock, so there one must also have been left alone for `TEMPORARY_FILE_GRACE_MS`
 * (another run may be exporting to it right now).
 */
export async function removeInterruptedTrainWrites(runDir: string, stageDir: string): Promise<string[]> {
  const removed = await removeStaleTemporaryFiles(runDir, { olderThan: performance.timeOrigin });
  const inside = relative(runDir, stageDir);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) return removed; // visited with the run directory
  return [...removed, ...(await quietly(removeStaleTemporaryFiles(stageDir, { olderThan: unguarded(), recursive: false })))];
}

/**
 * At the start of `cdm sample --out-dir`: the directory itself (not its sub-directories), and only
 * the temporary files of the images it writes (`.007-star.png.<12 hex>.tmp`), so no file of the
 * user's is touched. No lock guards an --out-dir, so they must have been left alone for
 * `TEMPORARY_FILE_GRACE_MS` too (another `cdm sample` may be writing there right now).
 */
export function removeInterruptedOutDirWrites(outDir: string): Promise<string[]> {
  return quietly(removeStaleTemporaryFiles(outDir, { olderThan: unguarded(), recursive: false, only: (target) => OUT_DIR_IMAGE.test(target) }));
}

/** What `cdm` says when it removed some. */
export const removedMessage = (removed: readonly string[]) => `Removed ${removed.length} temporary file${removed.length === 1 ? '' : 's'} left by interrupted writes`;

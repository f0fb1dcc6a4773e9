import { errors, isCdmError } from '@cdm/core';
import { fileSystemError } from '../storage/fs-errors';

/** What a dataset reader does with a file it cannot read or decode. */
export type OnUnreadable = 'fail' | 'skip';

export interface UnreadableOptions {
  /** 'fail' (default): reject with CDM_UNREADABLE_FILE naming the file. 'skip': report it and go on. */
  readonly onUnreadable?: OnUnreadable;
  /** Where skipped files are reported; default console.warn. */
  readonly onWarning?: (message: string) => void;
}

/**
 * Runs `read`; on failure throws CDM_UNREADABLE_FILE or reports and returns undefined, per the option.
 * A failing disk or mount (EIO, ESTALE, ETIMEDOUT) is not a bad file: it is thrown as CDM_IO_ERROR
 * whatever the option, so that training stops (after saving) instead of skipping every file the
 * broken disk holds.
 */
export async function readOrSkip<T>(path: string, options: UnreadableOptions, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isCdmError(error, 'CDM_IO_ERROR')) throw error;
    const io = fileSystemError(error, path, 'read');
    if (isCdmError(io, 'CDM_IO_ERROR')) throw io;
    const reason = error instanceof Error ? error.message : String(error);
    const failure = errors.unreadableFile(path, reason);
    if ((options.onUnreadable ?? 'fail') === 'fail') throw failure;
    (options.onWarning ?? console.warn)(`Skipping unreadable file ${path}: ${reason}`);
    return undefined;
  }
}

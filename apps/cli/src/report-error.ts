import { isCdmError } from '@cdm/core';
import { fileSystemError } from '@cdm/backend-node';
import { EXIT_CODES, EXIT_CODE_OF, type ExitCode } from './exit-codes';

/** An error as the CLI reports it: exit status, one human message, and its machine-readable form. */
export interface ReportedError {
  readonly exitCode: ExitCode;
  /** The message to print (a CdmError's message already ends with its hint and `[CODE]`). */
  readonly message: string;
  /** Whether a stack trace helps (unexpected errors only, unless --verbose). */
  readonly unexpected: boolean;
  readonly json: { readonly code: string; readonly message: string; readonly hint?: string };
}

const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'is a directory, not a file',
};

/** Classifies a thrown value: coded errors map to their exit status, file-system errors to 3, anything else is unexpected. */
export function reportError(error: unknown): ReportedError {
  if (isCdmError(error)) {
    const message = error.message;
    return {
      exitCode: EXIT_CODE_OF[error.code] ?? EXIT_CODES.unexpected,
      message,
      unexpected: false,
      json: { code: error.code, message: message.replace(/ \[CDM_[A-Z_]+\]$/, ''), ...(error.hint === undefined ? {} : { hint: error.hint }) },
    };
  }
  if (error instanceof Error && error.name === 'AbortError') {
    // A platform AbortSignal rejection (e.g. signal.throwIfAborted()) rather than a coded CDM_ABORTED.
    const message = `${error.message} [CDM_ABORTED]`;
    return { exitCode: EXIT_CODES.aborted, message, unexpected: false, json: { code: 'CDM_ABORTED', message: error.message } };
  }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof errno === 'string') {
    // A file-system condition that escaped the storage layer (full disk, read-only, permissions, a file
    // in the way, EIO from a failing disk or mount: CDM_IO_ERROR, exit 10).
    const coded = fileSystemError(error, (error as NodeJS.ErrnoException).path ?? 'a file');
    if (isCdmError(coded)) return reportError(coded);
  }
  if (typeof errno === 'string' && errno in FILE_ERRORS) {
    const path = (error as NodeJS.ErrnoException).path;
    const message = `${path === undefined ? 'File' : `"${path}"`}: ${FILE_ERRORS[errno]}. Check the path (relative paths are resolved against the working directory or the config that names them) [CDM_NOT_FOUND]`;
    return { exitCode: EXIT_CODES.notFound, message, unexpected: false, json: { code: 'CDM_NOT_FOUND', message } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    exitCode: EXIT_CODES.unexpected,
    message: `unexpected error: ${message}`,
    unexpected: true,
    json: { code: 'CDM_UNEXPECTED', message },
  };
}

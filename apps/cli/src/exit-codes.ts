import type { CdmErrorCode } from '@cdm/core';

/** What `cdm`'s exit status means. Documented in the README; scripts may rely on these numbers. */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  ok: 0,
  /** An unexpected error (a bug): the message comes with a stack trace. */
  unexpected: 1,
  /** A bad flag, argument or config value (the message names it), or a file whose content is invalid. */
  usage: 2,
  /** A file or directory that was named does not exist or cannot be read. */
  notFound: 3,
  /** Stopped by Ctrl-C (or the AbortSignal given to runCli); training saved a checkpoint first. */
  aborted: 4,
  /** No backend can serve the device asked for, or the backend ran out of memory. */
  backend: 5,
  /** Training diverged (NaN or Infinity); the message names the last good checkpoint. */
  diverged: 6,
  /** A plugin failed while loading or running. */
  plugin: 7,
  /** The command or feature is not implemented yet, or not part of this installation. */
  unavailable: 8,
  /** Another process holds the run directory (`cdm train` running there already). */
  locked: 9,
  /** The file system refused: disk full, read-only, permission denied, a file where a directory must be, or an I/O error (a failing disk or mount). Files already there are unchanged. */
  fileSystem: 10,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit status of each coded error (exhaustive: a new core code must be placed here). */
export const EXIT_CODE_OF: Readonly<Record<CdmErrorCode, ExitCode>> = {
  CDM_INVALID_ARGUMENT: EXIT_CODES.usage,
  CDM_SHAPE_MISMATCH: EXIT_CODES.usage,
  CDM_TIMESTEP_OUT_OF_RANGE: EXIT_CODES.usage,
  CDM_NON_FINITE: EXIT_CODES.diverged,
  CDM_UNKNOWN_PLUGIN: EXIT_CODES.usage,
  CDM_DUPLICATE_PLUGIN: EXIT_CODES.usage,
  CDM_PLUGIN_FAILED: EXIT_CODES.plugin,
  CDM_NO_BACKEND: EXIT_CODES.backend,
  CDM_SAFETENSORS_CORRUPT: EXIT_CODES.usage,
  CDM_SAFETENSORS_UNSUPPORTED: EXIT_CODES.usage,
  CDM_UNSAFE_PICKLE: EXIT_CODES.usage,
  CDM_TORCH_CHECKPOINT_CORRUPT: EXIT_CODES.usage,
  CDM_TORCH_CHECKPOINT_UNSUPPORTED: EXIT_CODES.usage,
  CDM_ABORTED: EXIT_CODES.aborted,
  CDM_NOT_FOUND: EXIT_CODES.notFound,
  CDM_TOO_LARGE: EXIT_CODES.usage,
  CDM_DISK_FULL: EXIT_CODES.fileSystem,
  CDM_READ_ONLY_FILE_SYSTEM: EXIT_CODES.fileSystem,
  CDM_PERMISSION_DENIED: EXIT_CODES.fileSystem,
  CDM_PATH_CONFLICT: EXIT_CODES.fileSystem,
  CDM_IO_ERROR: EXIT_CODES.fileSystem,
  CDM_CHECKPOINT_MISMATCH: EXIT_CODES.usage,
  CDM_TRAINING_DIVERGED: EXIT_CODES.diverged,
  CDM_CLASS_MISMATCH: EXIT_CODES.usage,
  CDM_OUT_OF_MEMORY: EXIT_CODES.backend,
  CDM_UNREADABLE_FILE: EXIT_CODES.notFound,
  CDM_RUN_LOCKED: EXIT_CODES.locked,
  CDM_NOT_IMPLEMENTED: EXIT_CODES.unavailable,
  CDM_HTTP_ERROR: EXIT_CODES.notFound,
  CDM_READ_ONLY: EXIT_CODES.usage,
  CDM_NOT_AVAILABLE: EXIT_CODES.unavailable,
};

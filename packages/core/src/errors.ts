/**
 * Every error cdm throws is a `CdmError` made by one of the factories below: a stable `code`
 * for programs, a message that says what went wrong, and a `hint` that says what to do.
 */

export type CdmErrorCode =
  | 'CDM_INVALID_ARGUMENT'
  | 'CDM_SHAPE_MISMATCH'
  | 'CDM_TIMESTEP_OUT_OF_RANGE'
  | 'CDM_NON_FINITE'
  | 'CDM_UNKNOWN_PLUGIN'
  | 'CDM_DUPLICATE_PLUGIN'
  | 'CDM_PLUGIN_FAILED'
  | 'CDM_NO_BACKEND'
  | 'CDM_SAFETENSORS_CORRUPT'
  | 'CDM_SAFETENSORS_UNSUPPORTED'
  | 'CDM_UNSAFE_PICKLE'
  | 'CDM_TORCH_CHECKPOINT_CORRUPT'
  | 'CDM_TORCH_CHECKPOINT_UNSUPPORTED'
  | 'CDM_ABORTED'
  | 'CDM_NOT_FOUND'
  | 'CDM_TOO_LARGE'
  // file systems (raised by @cdm/backend-node's storage)
  | 'CDM_DISK_FULL'
  | 'CDM_READ_ONLY_FILE_SYSTEM'
  | 'CDM_PERMISSION_DENIED'
  | 'CDM_PATH_CONFLICT'
  | 'CDM_IO_ERROR'
  // @cdm/unet
  | 'CDM_CHECKPOINT_MISMATCH'
  // @cdm/cascade
  | 'CDM_TRAINING_DIVERGED'
  | 'CDM_CLASS_MISMATCH'
  // @cdm/backend-node
  | 'CDM_OUT_OF_MEMORY'
  | 'CDM_UNREADABLE_FILE'
  | 'CDM_RUN_LOCKED'
  // @cdm/cli
  | 'CDM_NOT_IMPLEMENTED'
  | 'CDM_NOT_AVAILABLE'
  // @cdm/backend-web
  | 'CDM_HTTP_ERROR'
  | 'CDM_READ_ONLY';

export class CdmError extends Error {
  override readonly name = 'CdmError';
  readonly code: CdmErrorCode;
  readonly hint: string | undefined;

  constructor(code: CdmErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(hint === undefined ? `${message} [${code}]` : `${message}. ${hint} [${code}]`, options);
    this.code = code;
    this.hint = hint;
  }
}

/** True when `error` is a CdmError, optionally with the given code. */
export function isCdmError(error: unknown, code?: CdmErrorCode): error is CdmError {
  return error instanceof CdmError && (code === undefined || error.code === code);
}

const list = (names: readonly string[]) => (names.length === 0 ? '(none)' : names.join(', '));

/** Formats a value for an error message without dumping large objects. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return value.length > 8 ? `[${value.slice(0, 8).join(', ')}, …]` : `[${value.join(', ')}]`;
  return Object.prototype.toString.call(value);
}

export const errors = {
  /** An argument has the wrong type or value. `arg` names it as the caller wrote it. */
  invalidArgument(arg: string, expected: string, got: unknown) {
    return new CdmError('CDM_INVALID_ARGUMENT', `Invalid ${arg}: expected ${expected}, got ${show(got)}`);
  },

  shapeMismatch(arg: string, expected: string, got: readonly number[]) {
    return new CdmError('CDM_SHAPE_MISMATCH', `${arg} has shape [${got.join(', ')}], expected ${expected}`);
  },

  timestepOutOfRange(arg: string, got: number, numTimesteps: number) {
    return new CdmError(
      'CDM_TIMESTEP_OUT_OF_RANGE',
      `${arg} = ${got} is outside the process's timesteps 0…${numTimesteps - 1}`,
      'Timesteps are integer indices into the (possibly respaced) schedule',
    );
  },

  nonFinite(what: string, where: string) {
    return new CdmError(
      'CDM_NON_FINITE',
      `${what} contains NaN or Infinity ${where}`,
      'Check the learning rate and the model weights; a diverged model produces non-finite outputs',
    );
  },

  unknownPlugin(kind: string, name: string, registered: readonly string[], hint?: string) {
    return new CdmError(
      'CDM_UNKNOWN_PLUGIN',
      `Unknown ${kind} "${name}"; registered: ${list(registered)}`,
      hint ?? `Did you import and register the package that provides it (registry.use(...))?`,
    );
  },

  duplicatePlugin(kind: string, name: string) {
    return new CdmError(
      'CDM_DUPLICATE_PLUGIN',
      `A different ${kind} named "${name}" is already registered`,
      'Give the plugin another name, or pass { override: true } to replace it',
    );
  },

  /** Wraps an error thrown inside a plugin with the plugin's name and the hook that failed. */
  pluginFailed(kind: string, name: string, hook: string, cause: unknown) {
    if (isCdmError(cause, 'CDM_PLUGIN_FAILED')) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new CdmError('CDM_PLUGIN_FAILED', `${kind} "${name}" failed in ${hook}: ${reason}`, undefined, { cause });
  },

  noBackend(device: string, tried: readonly { name: string; reason: string }[], install: readonly string[]) {
    const why = tried.map((b) => `  ${b.name}: ${b.reason}`).join('\n');
    return new CdmError(
      'CDM_NO_BACKEND',
      `No backend can serve device "${device}".${why ? `\nTried:\n${why}` : ' No backend is registered.'}`,
      install.length > 0 ? `Install one of: ${install.join(', ')}` : 'Register a backend package (e.g. @cdm/backend-node)',
    );
  },

  safetensorsCorrupt(detail: string) {
    return new CdmError(
      'CDM_SAFETENSORS_CORRUPT',
      `Corrupt safetensors data: ${detail}`,
      'The file is truncated or not a safetensors file; re-export or re-download it',
    );
  },

  safetensorsUnsupported(detail: string) {
    return new CdmError('CDM_SAFETENSORS_UNSUPPORTED', `Unsupported safetensors content: ${detail}`);
  },

  /**
   * A pickle asks for something a state dict never needs: a global outside the allow-list, an
   * opcode that builds or calls arbitrary objects, or an unknown opcode. Nothing was executed.
   */
  unsafePickle(detail: string) {
    return new CdmError(
      'CDM_UNSAFE_PICKLE',
      `Refused to unpickle: ${detail}`,
      'cdm reads only tensors and plain containers from .pt files (like torch.load(weights_only=True)); nothing in the file was run. Save a plain state dict (torch.save(model.state_dict(), path)) or convert it to safetensors',
    );
  },

  torchCheckpointCorrupt(detail: string) {
    return new CdmError(
      'CDM_TORCH_CHECKPOINT_CORRUPT',
      `Corrupt PyTorch checkpoint: ${detail}`,
      'The file is truncated or not written by torch.save; re-download or re-save it',
    );
  },

  torchCheckpointUnsupported(detail: string, hint = 'Re-save it with torch.save(state_dict, path) (torch ≥ 1.6), or convert it to safetensors') {
    return new CdmError('CDM_TORCH_CHECKPOINT_UNSUPPORTED', `Unsupported PyTorch checkpoint: ${detail}`, hint);
  },

  aborted(what: string) {
    return new CdmError('CDM_ABORTED', `${what} was aborted`);
  },

  /** A file or URL a storage was asked to read does not exist. */
  notFound(path: string, where: string) {
    return new CdmError('CDM_NOT_FOUND', `No file at "${path}" in ${where}`, 'Check the path (relative paths are resolved against the file that names them)');
  },

  /** A request beyond a documented limit, refused before anything is allocated; `hint` says how to fit it. */
  tooLarge(what: string, limit: string, hint: string) {
    return new CdmError('CDM_TOO_LARGE', `${what} is too large: the limit is ${limit}`, hint);
  },

  // --- file systems (a storage's write or read failed for a reason the user can fix) ---
  /** ENOSPC / EDQUOT: the device (or the quota) is full. An atomic write leaves the old file as it was. */
  diskFull(path: string) {
    return new CdmError(
      'CDM_DISK_FULL',
      `Cannot write ${path}: no space left on the device`,
      'Free some space (or raise the quota) and run the command again, or write somewhere else; files that were already there are unchanged',
    );
  },

  /** EROFS: the file system is mounted read-only. */
  readOnlyFileSystem(path: string) {
    return new CdmError(
      'CDM_READ_ONLY_FILE_SYSTEM',
      `Cannot write ${path}: the file system is read-only`,
      'Write to a directory on a writable file system (another --out or run directory), or remount this one read-write',
    );
  },

  /** EACCES / EPERM: this user may not read or write the path. */
  permissionDenied(path: string, action: 'read' | 'write') {
    return new CdmError(
      'CDM_PERMISSION_DENIED',
      `Cannot ${action} ${path}: permission denied`,
      action === 'read' ? 'Make the file readable by this user (chmod / chown), or copy it somewhere readable' : 'Make the directory writable by this user (chmod / chown), or write somewhere else',
    );
  },

  /** EEXIST / ENOTDIR / EISDIR on a write: a file stands where a directory must be, or the other way round. */
  pathConflict(path: string, detail: string) {
    return new CdmError('CDM_PATH_CONFLICT', `Cannot write ${path}: ${detail}`, 'Choose another path, or move what is in the way');
  },

  /**
   * EIO / ESTALE / ETIMEDOUT: the device or the mount failed (a dying disk, a network file system
   * that went away). Nothing about the path is wrong; the same command may work once the file
   * system is healthy. `errno` is the system's code, named in the message.
   */
  ioError(path: string, action: 'read' | 'write', errno: string) {
    const what =
      errno === 'ESTALE'
        ? 'the file handle went stale (ESTALE: the network file system lost track of the file)'
        : errno === 'ETIMEDOUT'
          ? 'the file system timed out (ETIMEDOUT)'
          : `input/output error (${errno}: the device or the mount failed)`;
    return new CdmError(
      'CDM_IO_ERROR',
      `Cannot ${action} ${path}: ${what}`,
      'Check the disk or the mount (dmesg; for a network file system, its server and connection), then run the same command again: files written before are unchanged, and a training run resumes from its last checkpoint',
    );
  },

  // --- @cdm/unet ---
  /** A checkpoint's tensors do not fit the network its config describes; lists every problem. */
  checkpointMismatch(source: string, problems: readonly string[]) {
    const shown = problems.length > 50 ? [...problems.slice(0, 50), `… and ${problems.length - 50} more`] : problems;
    return new CdmError(
      'CDM_CHECKPOINT_MISMATCH',
      `${source} does not match the network's parameters (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${shown.join('\n  ')}`,
      'Check that config.json describes the network these weights were trained with',
    );
  },

  // --- @cdm/cascade ---
  /** Training produced a NaN/Inf loss or gradient; names the step and the checkpoint to go back to. */
  trainingDiverged(stage: string, step: number, what: string, lastCheckpoint: string | undefined) {
    return new CdmError(
      'CDM_TRAINING_DIVERGED',
      `Training ${stage} diverged at step ${step}: ${what} is NaN or Infinity; nothing was saved from this step. Last good checkpoint: ${lastCheckpoint ?? '(none)'}`,
      'Lower the learning rate, add warmup or gradient clipping, then resume from the last good checkpoint',
    );
  },

  /** Two things that must share a label space (a cascade, reference images, a classifier) name different classes. */
  classMismatch(a: { readonly what: string; readonly classNames: readonly string[] | undefined }, b: { readonly what: string; readonly classNames: readonly string[] | undefined }, hint?: string) {
    const names = (c: readonly string[] | undefined) => (c === undefined ? 'no class names' : `[${c.length > 12 ? [...c.slice(0, 12), '…'].join(', ') : c.join(', ')}]`);
    return new CdmError(
      'CDM_CLASS_MISMATCH',
      `The classes of ${a.what} (${names(a.classNames)}) differ from those of ${b.what} (${names(b.classNames)})`,
      hint ?? 'Labels are class indices, so both must name the same classes in the same order',
    );
  },

  // --- @cdm/backend-node ---
  /** A backend ran out of memory (e.g. the 4 GiB WebAssembly heap); says how to fit the work. */
  outOfMemory(where: string, detail: string) {
    return new CdmError(
      'CDM_OUT_OF_MEMORY',
      `${where} ran out of memory: ${detail}`,
      'Use a smaller batch and accumulate gradients over several micro-batches to keep the effective batch size, or use a backend with more memory (tensorflow / tensorflow-cuda)',
    );
  },

  /** A data file could not be read or decoded; names the file. */
  unreadableFile(path: string, reason: string) {
    return new CdmError('CDM_UNREADABLE_FILE', `Cannot read ${path}: ${reason}`, 'Fix or remove the file, or let the reader skip unreadable files (onUnreadable: "skip")');
  },
  /** Strict dataset preparation found files it cannot decode: all of them, before any training. */
  unreadableFiles(root: string, files: readonly { path: string; reason: string }[]) {
    const shown = files.slice(0, 20).map((f) => `  ${f.path}: ${f.reason}`);
    if (files.length > shown.length) shown.push(`  … and ${files.length - shown.length} more`);
    return new CdmError(
      'CDM_UNREADABLE_FILE',
      `${files.length} file${files.length === 1 ? '' : 's'} in ${root} cannot be read:\n${shown.join('\n')}`,
      'Fix or remove them, or leave onUnreadable at "skip" (the default) to go on without them',
    );
  },

  /** Another process holds a run directory's lock (two trainings would overwrite each other's checkpoints). */
  runLocked(runDir: string, holder: { readonly pid: number; readonly hostname: string; readonly startedAt: string }, lockFile: string) {
    return new CdmError(
      'CDM_RUN_LOCKED',
      `The run directory ${runDir} is in use by process ${holder.pid} on ${holder.hostname} (since ${holder.startedAt})`,
      `Wait for that run to finish or stop it (e.g. kill ${holder.pid} on ${holder.hostname}), or train into another run directory; if no such process is running, delete ${lockFile}`,
    );
  },

  // --- @cdm/cli ---
  /** A command or feature that is planned but not built yet; `hint` says where it will come from. */
  notImplemented(what: string, hint: string) {
    return new CdmError('CDM_NOT_IMPLEMENTED', `${what} is not implemented yet`, hint);
  },

  /** Something this installation does not include (e.g. a script that ships only with the repository). */
  notAvailable(what: string, hint: string) {
    return new CdmError('CDM_NOT_AVAILABLE', `${what} is not available`, hint);
  },

  // --- @cdm/backend-web ---
  /** An HTTP request failed: a status other than 2xx (`status` set) or no response at all (`reason`). */
  httpError(method: string, url: string, status: number | undefined, reason: string) {
    return new CdmError(
      'CDM_HTTP_ERROR',
      status === undefined ? `${method} ${url} failed: ${reason}` : `${method} ${url} failed with HTTP ${status}${reason ? ` ${reason}` : ''}`,
      status === undefined
        ? 'Check the URL, the network connection and, for another origin, that the server sends CORS headers'
        : 'Check that the server serves this file to this page (status 401/403: permissions; 5xx: the server)',
    );
  },

  /** A write to a storage that only reads (HTTP, user-chosen files). */
  readOnly(storage: string, path: string) {
    return new CdmError('CDM_READ_ONLY', `Cannot write "${path}": ${storage} is read-only`, 'Write to a storage that supports writing (memoryStorage, or fsStorage in Node)');
  },
} as const;

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
  | 'CDM_ABORTED';

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

  aborted(what: string) {
    return new CdmError('CDM_ABORTED', `${what} was aborted`);
  },
} as const;

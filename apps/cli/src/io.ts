/** Where a command writes text: a stream that may be a terminal. */
export interface CliOutput {
  write(text: string): void;
  /** True when this is an interactive terminal (progress bars); false or absent: plain lines. */
  readonly isTTY?: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

/**
 * Everything a run of the CLI touches outside itself, so tests can run commands in-process: the
 * two output streams, the working directory, and an AbortSignal that stands for Ctrl-C.
 */
export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Directory that relative paths on the command line are resolved against. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Aborting it stops the running command cleanly (training saves a checkpoint first). */
  readonly signal?: AbortSignal;
  /** Environment variables (default `process.env`); `CDM_DEMO_DIR` overrides where the demo cascade is looked for. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams. */
export function processIo(signal?: AbortSignal): CliIo {
  const stream = (s: NodeJS.WriteStream): CliOutput => ({
    write: (text) => void s.write(text),
    get isTTY() {
      return s.isTTY === true;
    },
    get columns() {
      return s.columns;
    },
  });
  return { stdout: stream(process.stdout), stderr: stream(process.stderr), cwd: process.cwd(), env: process.env, ...(signal === undefined ? {} : { signal }) };
}

/** An in-memory CliIo for tests: what was written is in `stdout()` / `stderr()`. */
export function memoryIo(options: { cwd?: string; signal?: AbortSignal; tty?: boolean; env?: Record<string, string | undefined>; onStderr?: (text: string) => void } = {}): CliIo & {
  stdoutText(): string;
  stderrText(): string;
} {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text) => void (out += text), isTTY: options.tty ?? false },
    stderr: {
      write: (text) => {
        err += text;
        options.onStderr?.(text);
      },
      isTTY: options.tty ?? false,
    },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.env === undefined ? {} : { env: options.env }),
    stdoutText: () => out,
    stderrText: () => err,
  };
}

import { Option, type Command } from 'commander';
import { errors, selectBackend, type BackendSelection, type Registries } from '@cdm/core';
import { MAX_WASM_THREADS } from '@cdm/backend-node';
import { cliRegistries } from './cli-registries';
import { parseInteger } from './parse-values';
import type { CliIo } from './io';
import { createProgress, type Progress } from './progress';

/** Flags every command takes. */
export interface CommonFlags {
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly quiet?: boolean;
  readonly backend?: string;
  readonly device?: string;
  readonly threads?: string;
}

/** What a command's action works with: the io, the registries of this run, output helpers. */
export interface CommandContext {
  readonly io: CliIo;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly json: boolean;
  readonly verbose: boolean;
  readonly registries: Registries;
  readonly progress: Progress;
  /** The device asked for with --backend/--device (default 'auto'). */
  readonly device: string;
  /** A line for people, on stdout (suppressed by --json, which prints one JSON document instead). */
  say(text: string): void;
  /** The machine-readable result, printed on stdout with --json. */
  result(value: unknown): void;
  /** Selects and initialises the backend for --backend/--device. */
  useBackend(): Promise<BackendSelection>;
}

/** The plugin name of tfjs' plain-JavaScript backend (device class 'cpu' resolves to the best CPU backend, wasm). */
export const TFJS_CPU = 'tfjs-cpu';

/** Adds the common flags to a command. */
export function withCommonFlags(command: Command): Command {
  return command
    .option('--json', 'print one machine-readable JSON document on stdout')
    .option('-v, --verbose', 'show stack traces for expected errors too')
    .option('-q, --quiet', 'no progress output')
    .addOption(new Option('--backend <name>', `auto | cpu | gpu | a backend name (wasm, webgpu, tensorflow, tensorflow-cuda, ${TFJS_CPU})`))
    .addOption(new Option('--device <name>', 'same as --backend'))
    .addOption(new Option('--threads <n>', `EXPERIMENTAL: WebAssembly threads for the wasm backend, 1–${MAX_WASM_THREADS} (default: CDM_WASM_THREADS, else 1)`));
}

/** What a command asks of its context beyond the common flags. */
export interface ContextOptions {
  /** Register tfjs' gradient functions when the backend starts (default true; only sampling commands pass false). */
  readonly gradients?: boolean;
}

export function createContext(io: CliIo, flags: CommonFlags, options: ContextOptions = {}): CommandContext {
  if (flags.backend !== undefined && flags.device !== undefined && flags.backend !== flags.device) {
    throw errors.invalidArgument('--device', `the same value as --backend ("${flags.backend}"), or only one of them`, flags.device);
  }
  const json = flags.json === true;
  const threads = flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, 1);
  if (threads !== undefined && threads > MAX_WASM_THREADS) throw errors.invalidArgument('--threads', `an integer from 1 to ${MAX_WASM_THREADS}`, flags.threads);
  const registries = cliRegistries({ ...(threads === undefined ? {} : { wasmThreads: threads }), ...options });
  const device = flags.backend ?? flags.device ?? 'auto';
  return {
    io,
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? process.env,
    json,
    verbose: flags.verbose === true,
    registries,
    progress: createProgress(io.stderr, { enabled: !json && flags.quiet !== true }),
    device,
    say: (text) => {
      if (!json) io.stdout.write(`${text}\n`);
    },
    result: (value) => {
      if (json) io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    useBackend: () => selectBackend(device, registries.backends),
  };
}

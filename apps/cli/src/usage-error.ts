import type { CommanderError } from 'commander';
import { EXIT_CODES } from './exit-codes';

/** The JSON error document for a usage error the argument parser found (unknown flag or command, missing argument or value). */
export interface UsageErrorDocument {
  readonly ok: false;
  readonly exitCode: typeof EXIT_CODES.usage;
  readonly error: { readonly code: 'CDM_INVALID_ARGUMENT'; readonly parser: string; readonly message: string; readonly hint: string };
}

/**
 * Turns commander's error (`error: unknown option '--sed'\n(Did you mean --seed?)`) into the same
 * shape as cdm's other `--json` errors: the message without commander's "error: " prefix, and a hint
 * with its did-you-mean, when it offers one, and where the usage is.
 */
export function usageErrorDocument(error: CommanderError, command: string | undefined): UsageErrorDocument {
  const [first = '', ...rest] = error.message.split('\n');
  const message = first.replace(/^error: /, '');
  const suggestion = rest.map((line) => /^\((Did you mean .*\?)\)$/.exec(line.trim())?.[1]).find((s) => s !== undefined);
  const help = `run \`cdm${command === undefined ? '' : ` ${command}`} --help\` for usage`;
  return {
    ok: false,
    exitCode: EXIT_CODES.usage,
    error: { code: 'CDM_INVALID_ARGUMENT', parser: error.code, message, hint: suggestion === undefined ? help : `${suggestion} (${help})` },
  };
}

import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from './exit-codes';
import type { CliIo } from './io';
import { reportError } from './report-error';
import { usageErrorDocument } from './usage-error';
import { registerCommands } from './commands';
import { CLI_VERSION } from './version';

/**
 * Runs `cdm` with `argv` (the arguments after the program name) and returns the exit status;
 * never calls `process.exit`. Output goes to `io.stdout` / `io.stderr`; `io.signal` stands for
 * Ctrl-C. Expected errors print their message and hint (a stack trace only with --verbose);
 * unexpected ones print a stack trace and return 1.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const state = { exitCode: EXIT_CODES.ok as number };
  const program = new Command('cdm')
    .description('Cascaded diffusion models: sample, train, assemble and import cascades.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .showHelpAfterError('(run with --help for usage)')
    .version(CLI_VERSION, '-V, --version');
  registerCommands(program, io, state);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (unknown option, missing argument, help).
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_CODES.ok;
      if (argv.includes('--json')) {
        const first = argv.find((a) => !a.startsWith('-'));
        const command = program.commands.find((c) => c.name() === first)?.name();
        io.stdout.write(`${JSON.stringify(usageErrorDocument(error, command), null, 2)}\n`);
      }
      return EXIT_CODES.usage;
    }
    const reported = reportError(error);
    if (argv.includes('--json')) io.stdout.write(`${JSON.stringify({ ok: false, exitCode: reported.exitCode, error: reported.json }, null, 2)}\n`);
    io.stderr.write(`cdm: ${reported.message}\n`);
    if ((reported.unexpected || argv.includes('--verbose') || argv.includes('-v')) && error instanceof Error && error.stack !== undefined) {
      io.stderr.write(`${error.stack}\n`);
      if (reported.unexpected) io.stderr.write('This is a bug in cdm or a plugin; please report it with the command you ran.\n');
    }
    return reported.exitCode;
  }
}

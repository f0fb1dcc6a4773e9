import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './exit-codes';
import { cdm } from './testing/micro-cascade';

describe('usage errors from the argument parser', () => {
  it('with --json: a JSON error document on stdout, with commander\'s did-you-mean as the hint; the text still on stderr', async () => {
    const typo = await cdm(['sample', '--demo', '--sed', '3', '--json']);
    expect(typo.code).toBe(EXIT_CODES.usage);
    expect(typo.json()).toEqual({
      ok: false,
      exitCode: 2,
      error: { code: 'CDM_INVALID_ARGUMENT', parser: 'commander.unknownOption', message: "unknown option '--sed'", hint: 'Did you mean --seed? (run `cdm sample --help` for usage)' },
    });
    expect(typo.stderr).toContain("error: unknown option '--sed'\n(Did you mean --seed?)");
  });

  it('a missing argument, an option without its value, an unknown command', async () => {
    const missing = await cdm(['train', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.json().error).toEqual({ code: 'CDM_INVALID_ARGUMENT', parser: 'commander.missingArgument', message: "missing required argument 'config'", hint: 'run `cdm train --help` for usage' });
    const value = await cdm(['sample', '--json', '--seed']);
    expect(value.json().error).toMatchObject({ parser: 'commander.optionMissingArgument', message: "option '--seed <n>' argument missing" });
    const command = await cdm(['smaple', '--json']);
    expect(command.code).toBe(2);
    expect(command.json().error).toMatchObject({ parser: 'commander.unknownCommand', message: "unknown command 'smaple'", hint: 'Did you mean sample? (run `cdm --help` for usage)' });
  });

  it('without --json, stdout stays empty', async () => {
    const typo = await cdm(['sample', '--demo', '--sed', '3']);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
  });
});

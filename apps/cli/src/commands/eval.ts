import type { Command } from 'commander';
import { errors } from '@cdm/core';
import { createContext, withCommonFlags, type CommonFlags } from '../context';
import type { CliIo } from '../io';
import type { RunState } from './index';

export function registerEval(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('eval'))
    .description('evaluate a cascade (FID, Inception score, classification accuracy): not implemented yet (issue 9)')
    .argument('[cascade]', 'a cascade.json')
    .allowUnknownOption()
    .action(async (_cascade: string | undefined, flags: CommonFlags) => {
      createContext(io, flags);
      void state;
      throw errors.notImplemented('cdm eval', 'Metrics arrive with issue 9 (evaluation); until then, sample with `cdm sample` and inspect the grid');
    });
}

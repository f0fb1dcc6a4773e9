import type { Command } from 'commander';
import type { CliIo } from '../io';
import { registerAssemble } from './assemble';
import { registerBench } from './bench';
import { registerData } from './data';
import { registerEval } from './eval';
import { registerExtractor } from './extractor';
import { registerImport } from './import';
import { registerInfo } from './info';
import { registerPlot } from './plot';
import { registerSample } from './sample';
import { registerTrain } from './train';
import { registerWorker } from './worker';

/** Where an action leaves its exit status. */
export interface RunState {
  exitCode: number;
}

/** Adds every `cdm` subcommand to `program`. */
export function registerCommands(program: Command, io: CliIo, state: RunState): void {
  registerInfo(program, io, state);
  registerSample(program, io, state);
  registerTrain(program, io, state);
  registerPlot(program, io, state);
  registerData(program, io, state);
  registerAssemble(program, io, state);
  registerImport(program, io, state);
  registerEval(program, io, state);
  registerExtractor(program, io, state);
  registerBench(program, io, state);
  registerWorker(program, io, state);
}

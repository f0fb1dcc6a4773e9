import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { errors } from '@cdm/core';
import { writeCascadeManifest } from '@cdm/cascade';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { fileStorage, toStoragePath } from '../file-storage';
import type { CliIo } from '../io';
import { assembleManifest, readStageFile } from '../stage-file';
import type { RunState } from './index';

interface AssembleFlags extends CommonFlags {
  readonly out?: string;
  readonly name?: string;
  readonly description?: string;
}

export function registerAssemble(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('cascade').alias('assemble'))
    .description('write a cascade.json from stage directories (made by cdm train or cdm import), base stage first')
    .argument('<stage-dirs...>', 'stage directories, in cascade order')
    .option('-o, --out <file>', 'the cascade.json to write', 'cascade.json')
    .option('--name <name>', 'a name for the cascade')
    .option('--description <text>', 'a one-line description of the cascade')
    .action(async (dirs: string[], flags: AssembleFlags) => {
      state.exitCode = await runAssemble(createContext(io, flags), dirs, flags);
    });
}

async function runAssemble(ctx: CommandContext, dirs: readonly string[], flags: AssembleFlags): Promise<number> {
  if (dirs.length === 0) throw errors.invalidArgument('stage-dirs', 'at least one stage directory', 0);
  const out = resolve(ctx.cwd, flags.out ?? 'cascade.json');
  const stages = [];
  for (const dir of dirs) {
    const full = resolve(ctx.cwd, dir);
    stages.push({ dir: full, file: await readStageFile(full) });
  }
  const manifest = assembleManifest(stages, dirname(out), { name: flags.name, description: flags.description });
  await writeCascadeManifest(fileStorage(), toStoragePath(out), manifest);
  ctx.say(`Wrote ${out}: ${manifest.stages.map((s) => `${s.name} (${s.resolution}×${s.resolution})`).join(' → ')}`);
  ctx.result({ ok: true, out, manifest });
  return 0;
}

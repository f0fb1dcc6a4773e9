import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { errors } from '@cdm/core';
import { createContext, withCommonFlags, type CommonFlags } from '../context';
import type { CliIo } from '../io';
import type { RunState } from './index';

/** @cdm/backend-node's benchmark script, which exists in the repository but is not published. */
export function benchScriptPath(): string | undefined {
  try {
    const base = typeof __filename === 'string' ? __filename : import.meta.url;
    const script = join(dirname(createRequire(base).resolve('@cdm/backend-node/package.json')), 'bench', 'run.mjs');
    return existsSync(script) ? script : undefined;
  } catch {
    return undefined;
  }
}

export function registerBench(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('bench'))
    .description("run @cdm/backend-node's benchmark (matmul, U-Net forward and training step per backend); other flags pass through, e.g. --backends wasm --steps 3")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: CommonFlags, command: Command) => {
      const ctx = createContext(io, flags);
      const script = benchScriptPath();
      if (script === undefined) {
        throw errors.notAvailable('cdm bench', "@cdm/backend-node's benchmark script (bench/run.mjs) ships with the repository, not the npm package: clone the repository, run `npm run build`, then `cdm bench`");
      }
      const args = command.args;
      ctx.say(`Running node ${script} ${args.join(' ')}`);
      state.exitCode = await new Promise<number>((resolvePromise, reject) => {
        const child = spawn(process.execPath, [script, ...args], { cwd: dirname(dirname(script)), stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (chunk: Buffer) => io.stdout.write(chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => io.stderr.write(chunk.toString()));
        const onAbort = () => child.kill('SIGINT');
        io.signal?.addEventListener('abort', onAbort, { once: true });
        child.on('error', reject);
        child.on('close', (code) => {
          io.signal?.removeEventListener('abort', onAbort);
          resolvePromise(code ?? 1);
        });
      });
    });
}

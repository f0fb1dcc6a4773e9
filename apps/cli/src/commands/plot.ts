import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { errors } from '@cdm/core';
import { parseLogLines } from '@cdm/cascade';
import { pngCodec } from '@cdm/backend-node';
import { writeFileAtomic } from '../file-storage';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import type { CliIo } from '../io';
import { drawLossPlot } from '../loss-plot';
import { parseInteger, parseNumber } from '../parse-values';
import type { RunState } from './index';

interface PlotFlags extends CommonFlags {
  readonly out?: string;
  readonly width?: string;
  readonly height?: string;
  readonly smoothing?: string;
}

export function registerPlot(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('plot'))
    .description('draw a run\'s training loss (raw and smoothed) and held-out loss on a log scale into a PNG')
    .argument('<run>', 'a run directory (with log.jsonl) or a log.jsonl file')
    .option('-o, --out <file>', 'the PNG to write (default: loss.png in the run directory)')
    .option('--width <pixels>', 'image width', '800')
    .option('--height <pixels>', 'image height', '480')
    .option('--smoothing <weight>', 'moving-average weight in [0, 1) for the smoothed curve (default: from the number of lines)')
    .action(async (run: string, flags: PlotFlags) => {
      state.exitCode = await runPlot(createContext(io, flags), run, flags);
    });
}

async function runPlot(ctx: CommandContext, run: string, flags: PlotFlags): Promise<number> {
  const width = parseInteger('--width', flags.width ?? '800', 200);
  const height = parseInteger('--height', flags.height ?? '480', 150);
  const smoothing = flags.smoothing === undefined ? undefined : parseNumber('--smoothing', flags.smoothing);
  if (smoothing !== undefined && !(smoothing >= 0 && smoothing < 1)) throw errors.invalidArgument('--smoothing', 'a weight in [0, 1)', smoothing);
  const target = resolve(ctx.cwd, run);
  const isDirectory = (await stat(target).catch(() => undefined))?.isDirectory() === true;
  const logPath = isDirectory ? join(target, 'log.jsonl') : target;
  const runDir = dirname(logPath);
  const text = await readFile(logPath, 'utf8');
  const lines = parseLogLines(text, Number.POSITIVE_INFINITY);
  const image = drawLossPlot(lines, { width, height, title: `${basename(runDir)}: training loss`, ...(smoothing === undefined ? {} : { smoothing }) });
  const out = resolve(ctx.cwd, flags.out ?? join(runDir, 'loss.png'));
  await writeFileAtomic(out, await pngCodec().encodePng(image));
  const last = lines.at(-1);
  const heldOut = lines.filter((l) => l.heldOutLoss !== undefined).at(-1);
  ctx.say(
    `Wrote ${out}: ${lines.length} log lines to step ${last?.step ?? 0}` +
      `${last === undefined ? '' : `, last loss ${last.loss.toFixed(4)}`}${heldOut === undefined ? '' : `, held-out ${heldOut.heldOutLoss!.toFixed(4)} at step ${heldOut.step}`}`,
  );
  ctx.result({
    ok: true,
    log: logPath,
    out,
    width,
    height,
    lines: lines.length,
    step: last?.step ?? null,
    loss: last?.loss ?? null,
    heldOut: heldOut === undefined ? null : { step: heldOut.step, loss: heldOut.heldOutLoss },
  });
  return 0;
}

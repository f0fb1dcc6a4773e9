import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { errors } from '@cdm/core';
import { EXTRACTOR_FILE, EXTRACTOR_WEIGHTS, readLabelledImages, saveExtractor, trainExtractor } from '@cdm/cascade/eval';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { fileStorage, toStoragePath } from '../file-storage';
import type { CliIo } from '../io';
import { firstImageSide, openLabelledFolder } from '../labelled-folder';
import { parseChoice, parseInteger, parseNumber, parseSeed } from '../parse-values';
import { formatSeconds } from '../progress';
import type { RunState } from './index';

interface ExtractorTrainFlags extends CommonFlags {
  readonly dataset?: string;
  readonly out?: string;
  readonly resolution?: string;
  readonly channels?: string;
  readonly epochs?: string;
  readonly batch?: string;
  readonly lr?: string;
  readonly seed?: string;
  readonly heldOut?: string;
  readonly limit?: string;
  readonly name?: string;
  readonly widths?: string;
  readonly hidden?: string;
}

export function registerExtractor(program: Command, io: CliIo, state: RunState): void {
  const extractor = program.command('extractor').description('feature extractors for cdm eval, trained on your own labelled images');
  withCommonFlags(extractor.command('train'))
    .description('train a small convnet classifier on an image folder (one sub-folder per class) and save it as an extractor directory for cdm eval --extractor')
    .requiredOption('--dataset <folder>', 'the labelled images: <folder>/<class>/<image>.png|jpg (e.g. data/fashion-mnist/train)')
    .requiredOption('-o, --out <dir>', `the extractor directory to write (${EXTRACTOR_FILE} and ${EXTRACTOR_WEIGHTS})`)
    .option('--resolution <n>', 'image side it is trained at (default: the shorter side of the first image)')
    .option('--channels <1|3>', '1 (grey) or 3 (RGB)', '3')
    .option('--epochs <n>', 'passes over the training part', '5')
    .option('--batch <n>', 'images per update', '64')
    .option('--lr <x>', 'peak Adam learning rate (linear warmup, cosine decay)', '0.002')
    .option('--seed <n>', 'seeds the weights, the held-out split and the order', '0')
    .option('--held-out <fraction>', 'share of each class held out to measure accuracy', '0.1')
    .option('--limit <n>', 'use only the first n images of the (seeded) order')
    .option('--name <name>', 'what eval reports call it (default: the --out directory name)')
    .option('--widths <list>', 'convolution widths, e.g. 16,32,64,128 (default: as many of those as the resolution halves into)')
    .option('--hidden <n>', 'width of the feature layer', '128')
    .action(async (flags: ExtractorTrainFlags) => {
      state.exitCode = await runExtractorTrain(createContext(io, flags), flags);
    });
}

async function runExtractorTrain(ctx: CommandContext, flags: ExtractorTrainFlags): Promise<number> {
  const root = resolve(ctx.cwd, flags.dataset!);
  const out = resolve(ctx.cwd, flags.out!);
  const channels = Number(parseChoice('--channels', flags.channels ?? '3', ['1', '3'] as const)) as 1 | 3;
  const epochs = parseInteger('--epochs', flags.epochs ?? '5', 1);
  const batchSize = parseInteger('--batch', flags.batch ?? '64', 1);
  const lr = parseNumber('--lr', flags.lr ?? '0.002');
  if (!(lr > 0)) throw errors.invalidArgument('--lr', 'a positive number', flags.lr);
  const seed = parseSeed('--seed', flags.seed ?? '0');
  const heldOutFraction = parseNumber('--held-out', flags.heldOut ?? '0.1');
  if (!(heldOutFraction > 0 && heldOutFraction < 1)) throw errors.invalidArgument('--held-out', 'a fraction between 0 and 1 (exclusive)', flags.heldOut);
  const limit = flags.limit === undefined ? undefined : parseInteger('--limit', flags.limit, 2);
  const hidden = parseInteger('--hidden', flags.hidden ?? '128', 1);
  const widths = flags.widths?.split(',').map((w) => parseInteger('--widths', w.trim(), 1));
  const name = flags.name ?? basename(out);
  if (name.trim() === '') throw errors.invalidArgument('--name', 'a non-empty name', flags.name);
  const resolution = flags.resolution === undefined ? await firstImageSide(root, '--dataset') : parseInteger('--resolution', flags.resolution, 1);

  const started = performance.now();
  const { backend } = await ctx.useBackend();
  const signal = ctx.io.signal;
  const withSignal = signal === undefined ? {} : { signal };
  const dataset = await openLabelledFolder(root, resolution, channels, '--dataset', ctx.env);
  if (dataset.classNames.length < 2) throw errors.invalidArgument(`--dataset ${root}`, 'at least 2 class sub-folders (the extractor is a classifier)', dataset.classNames);
  const count = Math.min(limit ?? dataset.size, dataset.size);
  ctx.say(`Training extractor "${name}" on ${count} images of ${dataset.classNames.length} classes from ${root} (${resolution}×${resolution}, ${channels === 1 ? 'grey' : 'RGB'}) on ${backend.name}`);

  const readTask = ctx.progress.start(`read ${root}`, count, { unit: 'images' });
  const data = await readLabelledImages(dataset, { count, seed, onProgress: (done) => readTask.update(done), ...withSignal }).finally(() => readTask.done());
  let task: ReturnType<CommandContext['progress']['start']> | undefined;
  const { net, training } = await trainExtractor({
    data,
    classNames: dataset.classNames,
    resolution,
    channels,
    ...(widths === undefined ? {} : { widths }),
    hidden,
    heldOutFraction,
    epochs,
    batchSize,
    lr,
    seed,
    onProgress: (p) => {
      task ??= ctx.progress.start(`train extractor ${name}`, p.totalSteps);
      task.update(p.step, `loss ${p.loss.toFixed(3)} acc ${(100 * p.accuracy).toFixed(1)} %`);
    },
    ...withSignal,
  }).finally(() => task?.done());
  try {
    const record = { ...training, dataset: root, ...(limit === undefined ? {} : { limit }), backend: backend.name };
    const file = await saveExtractor(fileStorage(), toStoragePath(out), net, { name, classNames: dataset.classNames, training: record });
    const seconds = (performance.now() - started) / 1000;
    const perClass = Object.entries(training.heldOutAccuracyByClass as Record<string, number>).map(([c, a]) => `${c} ${(100 * a).toFixed(0)} %`).join(', ');
    ctx.say(`Held-out accuracy: ${(100 * training.heldOutAccuracy).toFixed(1)} % on ${String(training.heldOutImages)} images never trained on (${perClass})`);
    ctx.say(`Wrote ${out}: ${EXTRACTOR_FILE} and ${EXTRACTOR_WEIGHTS} (fingerprint ${file.weights.fingerprint}) in ${formatSeconds(seconds)}`);
    ctx.result({ ok: true, out, name, fingerprint: file.weights.fingerprint, classNames: file.classNames, resolution, channels, architecture: file.architecture, training: file.training, seconds });
  } finally {
    net.dispose();
  }
  return 0;
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PREPARED_DATASET_MANIFEST, checkPreparedManifest } from '@cdm/core';
import { defaultDatasetCacheDir, jsImageDecoder, loadSharp, prepareImageFolder, preparedDatasetKey, preparedDatasetPath, scanImageFolder, sharpImageDecoder } from '@cdm/backend-node';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { formatDatasetSummary, preparedSummary, type DatasetSummary } from '../dataset-summary';
import type { CliIo } from '../io';
import { parseChoice, parseInteger } from '../parse-values';
import { readJsonFile } from '../read-json';
import type { RunState } from './index';

interface DataFlags extends CommonFlags {
  readonly resolution?: string;
  readonly channels?: string;
  readonly strict?: boolean;
  readonly decoder?: string;
  readonly force?: boolean;
  readonly cacheDir?: string;
}

const DECODERS = ['auto', 'sharp', 'js'] as const;

export function registerData(program: Command, io: CliIo, state: RunState): void {
  const data = program.command('data').description('look into and prepare image datasets (decode once, reuse at every step)');
  withCommonFlags(data.command('prepare'))
    .description('decode, orient, crop and resize every image of a class-folder dataset once into the dataset cache (reused while the folder is unchanged)')
    .argument('<folder>', 'a folder with one sub-folder of images per class')
    .requiredOption('--resolution <n>', 'side of the square images to store')
    .option('--channels <n>', '3 (RGB) or 1 (grey)', '3')
    .option('--strict', 'refuse, naming every file that cannot be decoded, instead of skipping them')
    .option('--decoder <name>', `${DECODERS.join(' | ')}: sharp when installed, else JavaScript`, 'auto')
    .option('--force', 'rebuild even when an up-to-date prepared copy exists')
    .option('--cache-dir <dir>', 'where prepared datasets are kept (default $CDM_CACHE_DIR/datasets or ~/.cache/cdm/datasets)')
    .action(async (folder: string, flags: DataFlags) => {
      state.exitCode = await runPrepare(createContext(io, flags), folder, flags);
    });
  withCommonFlags(data.command('inspect'))
    .description('what a class-folder dataset or a prepared dataset holds: classes and counts, files skipped or ignored, whether a prepared copy is up to date')
    .argument('<path>', 'a class-folder dataset, or a prepared dataset directory (holding manifest.json)')
    .option('--resolution <n>', 'for a folder: also say whether its prepared copy at this resolution is up to date')
    .option('--channels <n>', '3 (RGB) or 1 (grey), with --resolution', '3')
    .option('--cache-dir <dir>', 'where prepared datasets are kept')
    .action(async (path: string, flags: DataFlags) => {
      state.exitCode = await runInspect(createContext(io, flags), path, flags);
    });
}

const cacheDirOf = (ctx: CommandContext, flags: DataFlags) => (flags.cacheDir === undefined ? defaultDatasetCacheDir(ctx.env) : resolve(ctx.cwd, flags.cacheDir));
const channelsOf = (flags: DataFlags) => parseInteger('--channels', flags.channels ?? '3', 1) as 1 | 3;

async function runPrepare(ctx: CommandContext, folder: string, flags: DataFlags): Promise<number> {
  const root = resolve(ctx.cwd, folder);
  const resolution = parseInteger('--resolution', flags.resolution!, 1);
  const channels = channelsOf(flags);
  let task: ReturnType<CommandContext['progress']['start']> | undefined;
  const prepared = await prepareImageFolder({
    root,
    resolution,
    channels,
    cacheDir: cacheDirOf(ctx, flags),
    onUnreadable: flags.strict === true ? 'fail' : 'skip',
    decoder: parseChoice('--decoder', flags.decoder ?? 'auto', DECODERS),
    force: flags.force === true,
    ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
    onProgress: (done, total) => {
      task ??= ctx.progress.start(`prepare ${folder}`, total, { unit: 'images' });
      task.update(done);
    },
  }).finally(() => task?.done());
  const summary = preparedSummary(`prepared:${prepared.path}`, prepared.manifest, prepared);
  for (const line of formatDatasetSummary(summary)) ctx.say(line);
  ctx.say(`Train on it with "dataset": { "type": "image-folder", "path": "${folder}", "channels": ${channels} } (reused automatically) or { "type": "prepared", "path": "${prepared.path}" }`);
  ctx.result({ ok: true, path: prepared.path, reused: prepared.reused, seconds: prepared.seconds, summary });
  return 0;
}

async function runInspect(ctx: CommandContext, target: string, flags: DataFlags): Promise<number> {
  const path = resolve(ctx.cwd, target);
  if (existsSync(join(path, PREPARED_DATASET_MANIFEST))) {
    const manifestPath = join(path, PREPARED_DATASET_MANIFEST);
    const manifest = checkPreparedManifest(await readJsonFile(manifestPath, 'the prepared dataset manifest'), manifestPath);
    const summary = preparedSummary(`prepared:${path}`, manifest, { path, reused: true, seconds: 0 });
    for (const line of formatDatasetSummary(summary)) ctx.say(line);
    ctx.say(`  Built ${manifest.createdAt} with ${manifest.decoder}; ${manifest.shards.length} shard${manifest.shards.length === 1 ? '' : 's'} of up to ${manifest.shardRecords.toLocaleString('en-US')} records`);
    ctx.result({ ok: true, kind: 'prepared', path, summary });
    return 0;
  }
  // A folder: list it without decoding anything (unreadable files show only when it is prepared).
  const sharp = await loadSharp();
  const decoder = sharp === undefined ? jsImageDecoder() : sharpImageDecoder(sharp);
  const scan = await scanImageFolder(path, decoder.extensions);
  const counts = scan.classNames.map(() => 0);
  for (const image of scan.images) counts[image.label]!++;
  const summary: DatasetSummary = {
    name: `image-folder:${path}`,
    source: path,
    images: scan.images.length,
    resolution: 0,
    channels: 0,
    classes: scan.classNames.map((name, k) => ({ name, count: counts[k] })),
    skipped: [],
    ignored: scan.ignored,
    emptyClasses: scan.emptyClasses,
  };
  const lines = formatDatasetSummary(summary);
  lines[0] = `Folder ${path} (image files read by ${decoder.name}; not decoded yet)`;
  for (const line of lines) ctx.say(line);
  let cache: { path: string; upToDate: boolean; skipped?: number } | undefined;
  if (flags.resolution !== undefined) {
    const resolution = parseInteger('--resolution', flags.resolution, 1);
    const channels = channelsOf(flags);
    const cachePath = preparedDatasetPath(path, resolution, channels, cacheDirOf(ctx, flags));
    const manifestPath = join(cachePath, PREPARED_DATASET_MANIFEST);
    const existing = existsSync(manifestPath) ? checkPreparedManifest(await readJsonFile(manifestPath, 'the prepared dataset manifest'), manifestPath) : undefined;
    const upToDate = existing?.key === preparedDatasetKey(scan, resolution, channels);
    cache = { path: cachePath, upToDate, ...(existing === undefined ? {} : { skipped: existing.skipped.length }) };
    ctx.say(
      existing === undefined
        ? `  No prepared copy at ${resolution}×${resolution}×${channels} yet (cdm data prepare ${target} --resolution ${resolution} --channels ${channels})`
        : `  Prepared copy at ${resolution}×${resolution}×${channels}: ${cachePath} (${upToDate ? `up to date; ${existing.skipped.length} unreadable file(s) left out` : 'out of date: the folder changed since; it is rebuilt at the next use'})`,
    );
  }
  ctx.result({ ok: true, kind: 'folder', path, summary, ...(cache === undefined ? {} : { prepared: cache }) });
  return 0;
}

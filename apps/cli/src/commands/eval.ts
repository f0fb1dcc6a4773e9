import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { pngCodec, tensorToImages } from '@cdm/backend-node';
import { checkBatchFits, errors } from '@cdm/core';
import { PROCEDURAL_CLASSES, loadCascade, proceduralDataset, type CascadeManifest } from '@cdm/cascade';
import {
  PROCEDURAL_CLASSIFIER_ASSET,
  cachedReferenceStatistics,
  classificationAccuracyScore,
  defaultExtractorWidths,
  encodeFeatureFile,
  extractFeatures,
  featureStatistics,
  graphModelExtractor,
  loadExtractor,
  proceduralClassifierExtractor,
  topKAccuracy,
  wilsonInterval,
  type FeatureExtractor,
  type LabelledImages,
  type SmallConvnetConfig,
  type TrainedExtractor,
} from '@cdm/cascade/eval';
import { captionedGrid } from '../caption-grid';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { cascadeArgument, DEMO_FLAG_HELP } from '../demo';
import { sampleForEval } from '../eval-samples';
import { fileStorage, toStoragePath, writeFileAtomic } from '../file-storage';
import { openLabelledFolder } from '../labelled-folder';
import { colourShift } from '../colour-shift';
import { checkClassNames, readFolderImages, sameClassNames, type Labelled } from '../eval-reference';
import { featureMetrics } from '../eval-metrics';
import { metricsTable } from '../eval-table';
import { decodeHandover, encodeHandover, type Handover } from '../handover-file';
import type { CliIo } from '../io';
import { parseChoice, parseInteger, parseNumber, parseSeed } from '../parse-values';
import { perClassAccuracy } from '../per-class-accuracy';
import { pluginImporter } from '../plugins';
import { formatSeconds } from '../progress';
import { readJsonFile } from '../read-json';
import { resolvedStageParams } from '../resolved-params';
import { parseStageSampleFlags, withStageSampleFlags, type StageSampleFlags } from '../stage-sample-flags';
import { parseRedisUrl } from '../queue/redis-url';
import { DEFAULT_CHUNK_SIZE } from '../queue/sample-chunk';
import type { QueueSampleSummary } from '../queue/sample-on-queue';
import type { RunState } from './index';

interface EvalFlags extends CommonFlags, StageSampleFlags {
  readonly demo?: string | boolean;
  readonly n?: string;
  readonly batch?: string;
  readonly seed?: string;
  readonly dataset?: string;
  readonly worldSeed?: string;
  readonly extractor?: string;
  readonly graphModel?: string;
  readonly featureNode?: string;
  readonly logitsNode?: string;
  readonly inputSize?: string;
  readonly inputRange?: string;
  readonly metrics?: string;
  readonly k?: string;
  readonly splits?: string;
  readonly casEpochs?: string;
  readonly bootstrap?: string;
  readonly kidSubsets?: string;
  readonly kidSubsetSize?: string;
  readonly allowClassMismatch?: boolean;
  readonly weights?: string;
  readonly out?: string;
  readonly cacheDir?: string;
  readonly handover?: string;
  readonly saveHandover?: string;
  readonly handoverLevels?: string;
  readonly grid?: string;
  readonly saveFeatures?: string;
  readonly queue?: string;
  readonly chunkSize?: string;
  readonly sharedDir?: string;
}

const METRICS = ['fid', 'kid', 'is', 'pr', 'cas'] as const;
/** The most samples one `cdm eval` takes; samples, features and real images are all held in memory. */
export const MAX_EVAL_IMAGES = 50_000;
/** Precision/recall keeps every pairwise distance (12·n² bytes: 4.8 GB at 20,000). */
export const MAX_PRECISION_RECALL_IMAGES = 20_000;
export type Metric = (typeof METRICS)[number];
/** Samples in the --grid picture: four rows of the ten procedural classes. */
const GRID_IMAGES = 40;
const GRID_IMAGES_TEXT = String(GRID_IMAGES);
/** The procedural world the real reference images come from: neither the demo cascade nor the shipped classifier trained on it. */
const HELD_OUT_WORLD = 7919;
/** The shipped classifier, as --extractor names it. */
const SHIPPED = 'procedural-classifier';

export function registerEval(program: Command, io: CliIo, state: RunState): void {
  withStageSampleFlags(
    withCommonFlags(program.command('eval'))
      .description('evaluate a cascade: FID, KID, Inception Score, precision/recall, class accuracy and CAS of N samples against held-out real data')
      .argument('[cascade]', 'a cascade.json (or use --demo)')
      .option('--demo [name]', DEMO_FLAG_HELP)
      .option('--n <count>', 'samples to generate (and real images to compare with)', '500')
      .option('--batch <n>', 'images per sampling and feature batch', '50')
      .option('--seed <n>', 'random seed of the sampling', '1')
      .option('--dataset <procedural|folder>', 'the real data: procedural, or a labelled image folder (<folder>/<class>/<image>; the held-out split of what the cascade trained on)', 'procedural')
      .option('--world-seed <n>', 'procedural world of the real images (held out from training)', String(HELD_OUT_WORLD))
      .option('--extractor <name|dir>', `feature extractor: ${SHIPPED} (shipped with @cdm/cascade; the default with --dataset procedural) or a directory written by cdm extractor train`)
      .option('--allow-class-mismatch', 'compare even when the cascade, the reference folder and the extractor name different classes (warns)')
      .option('--graph-model <dir-or-url>', 'use a tfjs graph model (e.g. converted InceptionV3) as the extractor instead')
      .option('--feature-node <name>', 'graph model node with the features (default: its output)')
      .option('--logits-node <name>', 'graph model node with the logits (for the Inception Score)')
      .option('--input-size <n>', 'graph model input side', '299')
      .option('--input-range <low,high>', 'graph model input range', '-1,1')
      .option('--metrics <list>', 'any of fid,kid,is,pr,cas', 'fid,kid,is,pr,cas')
      .option('--k <n>', 'nearest neighbours for precision/recall', '3')
      .option('--splits <n>', 'Inception Score splits', '10')
      .option('--cas-epochs <n>', 'epochs of the CAS classifier on the generated images', '30')
      .option('--bootstrap <B>', 'bootstrap resamples for the FID and precision/recall intervals (0: none)', '100')
      .option('--kid-subsets <n>', 'KID subsets', '100')
      .option('--kid-subset-size <n>', 'KID subset size (default min(1000, ⌊--n / 2⌋), so that the subsets differ and the std is a spread)'),
  )
    .option('--weights <which>', 'ema or model (default: what cascade.json says)')
    .option('-o, --out <file>', 'the JSON report to write', 'eval.json')
    .option('--save-handover <file>', 'also save what the stage below the last hands over (its samples), to evaluate other last stages on the same ones')
    .option('--handover-levels <list>', 'with --save-handover: also its states at these levels s, for truncated hand-overs (e.g. 51,102,253,495)')
    .option('--handover <file>', 'sample only the last stage, from a --save-handover file (at level s with --truncate --aug-level …,s)')
    .option('--grid <png>', `also write the first ${GRID_IMAGES_TEXT} samples as a captioned grid`)
    .option('--save-features <file>', "also save the samples' and the real images' features (safetensors, rows in sampling order), to compare evaluations paired (pairedComparison in @cdm/cascade/eval)")
    .option('--queue <url>', 'sample on `cdm worker` processes through BullMQ on this Redis (redis://host:port) instead of in this process; the same samples')
    .option('--chunk-size <n>', `with --queue: images per job (default ${DEFAULT_CHUNK_SIZE}; equal to --batch, the samples are those of the in-process run to the bit)`)
    .option('--shared-dir <dir>', 'with --queue: a directory every worker can write, for the finished chunks (default: the directory of --out)')
    .option('--cache-dir <dir>', 'where reference statistics are cached (default $XDG_CACHE_HOME/cdm/eval or ~/.cache/cdm/eval)')
    .action(async (cascade: string | undefined, flags: EvalFlags) => {
      state.exitCode = await runEval(createContext(io, flags), cascade, flags);
    });
}

/** Where @cdm/cascade is installed, to find its shipped classifier. */
function cascadePackageDir(): string {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  return dirname(createRequire(here).resolve('@cdm/cascade/package.json'));
}

/** --metrics as a set, in canonical order. */
function parseMetrics(value: string): Metric[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const item of items) parseChoice('--metrics', item, METRICS);
  if (items.length === 0) throw errors.invalidArgument('--metrics', `a comma-separated list of ${METRICS.join(', ')}`, value);
  return METRICS.filter((m) => items.includes(m));
}

/**
 * The procedural class of each of the cascade's classes, matched by name, or a reason why there is
 * no such mapping (an unconditional cascade, or class names the procedural dataset does not have).
 */
function proceduralClassesOf(manifest: CascadeManifest, numClasses: number | undefined): { classes: number[] } | { reason: string } {
  if (numClasses === undefined) return { reason: 'the cascade is unconditional' };
  const names = manifest.classNames;
  if (names === undefined) return { reason: 'cascade.json names no classes to match with the procedural dataset' };
  const classes = names.slice(0, numClasses).map((name) => (PROCEDURAL_CLASSES as readonly string[]).indexOf(name));
  const missing = names.filter((_, i) => classes[i]! < 0);
  if (missing.length > 0) return { reason: `classes not in the procedural dataset: ${missing.join(', ')}` };
  return { classes };
}

/** The --handover file, read and checked (its fit to the cascade is checked when sampling). */
async function readHandover(ctx: CommandContext, flags: EvalFlags): Promise<Handover | undefined> {
  if (flags.handover === undefined) return undefined;
  if (flags.saveHandover !== undefined) throw errors.invalidArgument('--save-handover', 'nothing with --handover (the stages below the last one do not run)', flags.saveHandover);
  const path = resolve(ctx.cwd, flags.handover);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw errors.notFound(path, 'the file system (--handover)');
  const bytes = await readFile(path);
  return decodeHandover(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), '--handover', flags.handover);
}

/** The first `count` images as a PNG grid, captioned with their class names, one class per column. */
async function writeSampleGrid(file: string, images: Float32Array, resolution: number, channels: number, count: number, names: readonly string[] | undefined, columns: number | undefined): Promise<void> {
  const tensor = tf.tensor4d(images.subarray(0, count * resolution * resolution * channels), [count, resolution, resolution, channels]);
  const raw = await tensorToImages(tensor).finally(() => tensor.dispose());
  const grid = captionedGrid(raw, names, columns);
  await writeFileAtomic(file, await pngCodec().encodePng(grid));
}

async function runEval(ctx: CommandContext, cascadeArg: string | undefined, flags: EvalFlags): Promise<number> {
  const n = parseInteger('--n', flags.n ?? '500', 1);
  if (n < 2) throw errors.invalidArgument('--n', 'at least 2 (a covariance needs two samples)', flags.n);
  const batch = parseInteger('--batch', flags.batch ?? '50', 1);
  const seed = parseSeed('--seed', flags.seed ?? '1');
  const datasetArg = flags.dataset ?? 'procedural';
  const folder = datasetArg === 'procedural' ? undefined : resolve(ctx.cwd, datasetArg);
  const worldSeed = parseSeed('--world-seed', flags.worldSeed ?? String(HELD_OUT_WORLD));
  const requested = parseMetrics(flags.metrics ?? METRICS.join(','));
  if (n > MAX_EVAL_IMAGES) throw errors.tooLarge(`--n ${flags.n}`, `${MAX_EVAL_IMAGES.toLocaleString('en-US')} samples (as many as the papers' FID uses)`, 'Use a smaller --n');
  if (requested.includes('pr') && n > MAX_PRECISION_RECALL_IMAGES) {
    throw errors.tooLarge(
      `precision/recall at --n ${n}`,
      `${MAX_PRECISION_RECALL_IMAGES.toLocaleString('en-US')} samples (their n² pairwise distances are held in memory, 12·n² bytes)`,
      'Leave pr out of --metrics (e.g. --metrics fid,kid) or use a smaller --n',
    );
  }
  const k = parseInteger('--k', flags.k ?? '3', 1);
  if (requested.includes('pr') && k >= n) throw errors.invalidArgument('--k', `an integer below --n (${n})`, flags.k);
  const splits = parseInteger('--splits', flags.splits ?? '10', 1);
  if (requested.includes('is') && splits > n) throw errors.invalidArgument('--splits', `at most --n (${n})`, flags.splits);
  const casEpochs = parseInteger('--cas-epochs', flags.casEpochs ?? '30', 1);
  const resamples = parseInteger('--bootstrap', flags.bootstrap ?? '100', 0);
  if (resamples === 1) throw errors.invalidArgument('--bootstrap', '0 (no intervals) or at least 2 resamples', flags.bootstrap);
  const kidSubsets = parseInteger('--kid-subsets', flags.kidSubsets ?? '100', 1);
  const kidSubsetSize = flags.kidSubsetSize === undefined ? Math.max(2, Math.min(1000, Math.floor(n / 2))) : parseInteger('--kid-subset-size', flags.kidSubsetSize, 2);
  if (requested.includes('kid') && kidSubsetSize > n) throw errors.invalidArgument('--kid-subset-size', `an integer from 2 to --n (${n})`, flags.kidSubsetSize);
  const weights = flags.weights === undefined ? undefined : parseChoice('--weights', flags.weights, ['ema', 'model'] as const);
  const queue = flags.queue === undefined ? undefined : parseRedisUrl('--queue', flags.queue);
  const chunkSize = flags.chunkSize === undefined ? DEFAULT_CHUNK_SIZE : parseInteger('--chunk-size', flags.chunkSize, 1);
  if (queue === undefined && (flags.chunkSize !== undefined || flags.sharedDir !== undefined)) throw errors.invalidArgument(flags.chunkSize === undefined ? '--shared-dir' : '--chunk-size', 'a --queue to go with it', 'no --queue');
  if (queue !== undefined && (flags.handover !== undefined || flags.saveHandover !== undefined)) {
    throw errors.invalidArgument(flags.handover === undefined ? '--save-handover' : '--handover', 'no --queue (hand-overs are sampled and recorded in this process)', flags.handover ?? flags.saveHandover);
  }
  if (flags.graphModel === undefined) {
    for (const [flag, value] of [['--feature-node', flags.featureNode], ['--logits-node', flags.logitsNode]] as const) {
      if (value !== undefined) throw errors.invalidArgument(flag, 'nothing without --graph-model', value);
    }
    if (folder !== undefined && flags.extractor === undefined) {
      throw errors.invalidArgument(
        '--extractor',
        `with --dataset ${datasetArg}, an extractor trained on those classes (a directory written by cdm extractor train), or --graph-model; the shipped ${SHIPPED} knows only procedural shapes (name it to use it anyway)`,
        undefined,
      );
    }
  } else if (flags.extractor !== undefined) {
    throw errors.invalidArgument('--extractor', 'nothing with --graph-model (it is the extractor)', flags.extractor);
  }
  const inputSize = parseInteger('--input-size', flags.inputSize ?? '299', 1);
  const range = (flags.inputRange ?? '-1,1').split(',').map((v) => parseNumber('--input-range', v));
  if (range.length !== 2 || !(range[0]! < range[1]!)) throw errors.invalidArgument('--input-range', 'low,high with low < high', flags.inputRange);
  const manifestPath = cascadeArgument(ctx, cascadeArg, flags.demo);
  await readJsonFile(manifestPath, 'cascade.json');
  const cacheDir = resolve(ctx.cwd, flags.cacheDir ?? join(ctx.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cdm', 'eval'));

  const started = performance.now();
  const { backend } = await ctx.useBackend();
  const storage = fileStorage();
  const signal = ctx.io.signal;
  const withSignal = signal === undefined ? {} : { signal };
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(text);
    ctx.io.stderr.write(`WARNING: ${text}\n`);
  };
  const loaded = await loadCascade(storage, toStoragePath(manifestPath), {
    registries: ctx.registries,
    importPlugin: pluginImporter(dirname(manifestPath), ctx.cwd),
    ...(weights === undefined ? {} : { weights }),
    ...withSignal,
  });
  const classifierDir = join(cascadePackageDir(), PROCEDURAL_CLASSIFIER_ASSET);
  const classifier = await proceduralClassifierExtractor({ storage, path: toStoragePath(classifierDir), ...withSignal });
  let extractor: FeatureExtractor = classifier;
  let trained: TrainedExtractor | undefined;
  let extractorPath: string | undefined;
  try {
    const { cascade, manifest } = loaded;
    const params = parseStageSampleFlags(flags, cascade.stages, ctx.registries);
    const final = cascade.stages.at(-1)!;
    const resolution = final.resolution;
    const channels = final.channels;
    if (channels !== 1 && channels !== 3) throw errors.invalidArgument(`the last stage's channels (${final.name})`, '1 or 3 to evaluate', channels);
    checkBatchFits('--batch', batch, resolution, channels);
    const numClasses = cascade.stages[0]!.numClasses;
    const casAsked = flags.metrics?.split(',').some((m) => m.trim() === 'cas') === true;

    if (flags.graphModel !== undefined) {
      const source = /^https?:\/\//.test(flags.graphModel) ? flags.graphModel : { storage, path: toStoragePath(resolve(ctx.cwd, flags.graphModel)) };
      extractorPath = typeof source === 'string' ? source : resolve(ctx.cwd, flags.graphModel);
      extractor = await graphModelExtractor({
        model: source,
        inputSize,
        inputRange: [range[0]!, range[1]!],
        name: `graph-model:${basename(flags.graphModel.replace(/\/(model\.json)?$/, ''))}:${flags.featureNode ?? 'output'}`,
        ...(flags.featureNode === undefined ? {} : { featureNode: flags.featureNode }),
        ...(flags.logitsNode === undefined ? {} : { logitsNode: flags.logitsNode }),
        ...withSignal,
      });
    } else if (flags.extractor !== undefined && flags.extractor !== SHIPPED) {
      extractorPath = resolve(ctx.cwd, flags.extractor);
      trained = await loadExtractor({ storage, path: toStoragePath(extractorPath), ...withSignal });
      extractor = trained;
    }

    // The real data, and whether the cascade, the real data and the extractor share classes.
    const folderData = folder === undefined ? undefined : await openLabelledFolder(folder, resolution, channels, '--dataset', ctx.env);
    const cascadeSide: Labelled = { what: `the cascade (${manifestPath})`, classNames: manifest.classNames };
    const folderSide: Labelled | undefined = folderData === undefined ? undefined : { what: `the reference folder ${folder!}`, classNames: folderData.classNames };
    const extractorSide: Labelled | undefined = trained === undefined ? undefined : { what: `the extractor ${trained.name} (${extractorPath!})`, classNames: trained.classNames };
    const pairs: (readonly [Labelled, Labelled])[] = [];
    if (numClasses !== undefined) {
      if (folderSide !== undefined) pairs.push([cascadeSide, folderSide]);
      if (extractorSide !== undefined) pairs.push([cascadeSide, extractorSide]);
    } else if (folderSide !== undefined && extractorSide !== undefined) {
      pairs.push([folderSide, extractorSide]);
    }
    const mismatches = checkClassNames(pairs, flags.allowClassMismatch === true);
    for (const text of mismatches) warn(text);
    const mapping = folderData === undefined ? proceduralClassesOf(manifest, numClasses) : undefined;
    const casUnavailable =
      mapping !== undefined
        ? 'reason' in mapping ? { what: 'procedural classes', reason: mapping.reason } : undefined
        : numClasses === undefined ? { what: "the folder's classes", reason: 'the cascade is unconditional' }
          : !sameClassNames(manifest.classNames, folderData!.classNames) ? { what: "the folder's classes", reason: "the cascade's classes differ from the folder's", allowed: true } : undefined;
    if (casUnavailable !== undefined && !('allowed' in casUnavailable) && casAsked) {
      throw errors.invalidArgument('--metrics cas', `a class-conditional cascade whose classNames are ${casUnavailable.what} (${casUnavailable.reason})`, flags.metrics);
    }
    if (folderData !== undefined && extractor === classifier) {
      warn(`the features come from ${classifier.name}, a classifier trained on procedural shapes, not on ${folder!}: its numbers say little about these images. Train one on the cascade's training images: cdm extractor train --dataset <folder> --out <dir>, then --extractor <dir>`);
    }
    if (mapping !== undefined && 'reason' in mapping && manifest.classNames !== undefined && numClasses !== undefined) {
      warn(`the real images are procedural shapes, but the cascade's classes are not (${mapping.reason}): FID, KID and precision/recall compare unrelated images. Pass --dataset <folder> with held-out images of its classes and --extractor <dir> (cdm extractor train)`);
    }
    ctx.say(`Evaluating ${manifest.name ?? basename(dirname(manifestPath))} (${cascade.stages.map((s) => `${s.name} ${s.resolution}×${s.resolution}`).join(' → ')}) on ${backend.name}: ${n} samples, features from ${extractor.name}`);

    // 1. Samples, in batches, with every class in turn (so the classes are balanced), or the classes of the saved hand-over.
    const handover = await readHandover(ctx, flags);
    if (handover !== undefined && (handover.labels === undefined) !== (numClasses === undefined)) {
      throw errors.invalidArgument('--handover', `a hand-over ${numClasses === undefined ? 'without' : 'with'} class labels, like this cascade`, flags.handover);
    }
    const cascadeLabels = numClasses === undefined ? undefined : handover?.labels !== undefined ? Array.from(handover.labels.subarray(0, n)) : Array.from({ length: n }, (_, i) => i % numClasses);
    const saveLevels = flags.handoverLevels === undefined ? [] : flags.handoverLevels.split(',').map((v) => parseInteger('--handover-levels', v.trim(), 1));
    if (flags.handoverLevels !== undefined && flags.saveHandover === undefined) throw errors.invalidArgument('--handover-levels', 'nothing without --save-handover', flags.handoverLevels);
    const folderImages = folderData === undefined ? undefined : await readFolderImages(ctx, folderData, folder!, n);
    const below = cascade.stages.at(-2);
    const sampled = queue !== undefined
      ? await (await import('../queue/eval-on-queue')).sampleForEvalOnQueue(ctx, { // bullmq loads only here
          address: queue,
          manifestPath,
          manifest,
          ...(weights === undefined ? {} : { weights }),
          seed,
          n,
          labels: cascadeLabels,
          stages: params,
          batch,
          chunkSize,
          sharedDir: flags.sharedDir === undefined ? dirname(resolve(ctx.cwd, flags.out ?? 'eval.json')) : resolve(ctx.cwd, flags.sharedDir),
          pixels: resolution * resolution * channels,
          lowPixels: below === undefined ? 0 : below.resolution * below.resolution * below.channels,
        })
      : await sampleForEval(ctx, {
          cascade,
          params,
          n,
          labels: cascadeLabels,
          batch,
          seed,
          ...(handover === undefined ? {} : { from: { handover, flag: '--handover', path: flags.handover! } }),
          ...(flags.saveHandover === undefined ? {} : { record: { levels: saveLevels, cascadePath: manifestPath } }),
          ...withSignal,
        });
    const queued = 'queue' in sampled ? (sampled.queue as QueueSampleSummary) : undefined;
    const generated = sampled.images;
    const samplingSeconds = sampled.seconds;
    if (sampled.recorded !== undefined) {
      const file = resolve(ctx.cwd, flags.saveHandover!);
      await writeFileAtomic(file, encodeHandover(sampled.recorded));
      ctx.say(`Wrote ${file}: the ${n} images ${cascade.stages.at(-2)!.name} hands over, at levels ${[...sampled.recorded.levels.keys()].join(', ')}`);
    }
    if (flags.grid !== undefined) {
      const file = resolve(ctx.cwd, flags.grid);
      const names = cascadeLabels?.map((l) => manifest.classNames?.[l] ?? String(l));
      await writeSampleGrid(file, generated, resolution, channels, Math.min(n, GRID_IMAGES), names, numClasses);
      ctx.say(`Wrote ${file}: the first ${Math.min(n, GRID_IMAGES)} samples`);
    }

    // 2. Features of the samples.
    const featureStart = performance.now();
    const progress = (label: string, total: number) => {
      const task = ctx.progress.start(label, total, { unit: 'images' });
      return { onProgress: (done: number) => task.update(done), done: () => task.done() };
    };
    const fakeTask = progress(`features (${extractor.name})`, n);
    const fake = await extractFeatures(extractor, generated, n, resolution, { batchSize: batch, channels, onProgress: fakeTask.onProgress, ...withSignal }).finally(fakeTask.done);

    // 3. Real held-out images (of the same classes, for procedural data) and their statistics (cached for procedural data).
    const realClasses = mapping !== undefined && 'classes' in mapping ? mapping.classes : PROCEDURAL_CLASSES.map((_, i) => i);
    const distinct = [...new Set(realClasses)].sort((a, b) => a - b);
    const world = proceduralDataset({ resolution, worldSeed, size: 10 * (Math.ceil(n / distinct.length) + 1) });
    const realPixels = resolution * resolution * 3; // procedural images are RGB
    let realImages: LabelledImages | undefined = folderImages;
    const renderReal = (): LabelledImages => {
      if (realImages !== undefined) return realImages;
      const images = new Float32Array(n * realPixels);
      const labels = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        const cls = distinct[j % distinct.length]!;
        const index = PROCEDURAL_CLASSES.length * Math.floor(j / distinct.length) + cls;
        images.set(world.render(index), j * realPixels);
        labels[j] = cls;
      }
      realImages = { images, labels, count: n };
      return realImages;
    };
    const realChannels = folderData === undefined ? 3 : channels;
    const extractReal = async (label: string) => {
      const task = progress(label, n);
      return extractFeatures(extractor, renderReal().images, n, resolution, { batchSize: batch, channels: realChannels, onProgress: task.onProgress, ...withSignal }).finally(task.done);
    };
    const split = `world${worldSeed}${distinct.length === PROCEDURAL_CLASSES.length ? '' : `-classes${distinct.join('.')}`}`;
    const referenceKey = { dataset: 'procedural', split, resolution, count: n, extractor: extractor.name, ...(extractor.fingerprint === undefined ? {} : { fingerprint: extractor.fingerprint }) };
    const reference =
      folderData === undefined
        ? await cachedReferenceStatistics({
            storage,
            dir: toStoragePath(cacheDir),
            key: referenceKey,
            compute: async () => {
              const set = await extractReal(`reference features (${extractor.name})`);
              return { key: referenceKey, statistics: featureStatistics(set.features, n, set.featureDim, extractor.name), features: set.features };
            },
          })
        : await (async () => {
            const set = await extractReal(`reference features (${extractor.name})`);
            return { statistics: featureStatistics(set.features, n, set.featureDim, extractor.name), features: set.features as Float32Array | undefined, path: null, cached: false };
          })();
    const featureSeconds = (performance.now() - featureStart) / 1000;
    if (reference.path !== null) ctx.say(`${reference.cached ? 'Read' : 'Wrote'} reference statistics ${reference.path}`);
    let realFeatures = reference.features;
    const real = async () => (realFeatures ??= (await extractReal(`reference features (${extractor.name})`)).features);

    // 4. Metrics, each with an interval or spread where one is defined (a row of the summary table).
    const metricsStart = performance.now();
    const { metrics, rows } = await featureMetrics(ctx, { requested, extractor, fake, real, reference: reference.statistics, n, k, splits, resamples, seed, kidSubsets, kidSubsetSize });
    const wilson = (accuracy: number, trials: number) => wilsonInterval(Math.round(accuracy * trials), trials);
    // How often a classifier of the cascade's classes recognises the class each sample was drawn for:
    // the shipped one for procedural classes, a trained extractor of the cascade's classes otherwise.
    const recogniser = mapping !== undefined && 'classes' in mapping ? classifier : trained !== undefined && numClasses !== undefined && sameClassNames(manifest.classNames, trained.classNames) ? trained : undefined;
    if (recogniser !== undefined && cascadeLabels !== undefined) {
      const { logits } = recogniser === extractor ? fake : await extractFeatures(recogniser, generated, n, resolution, { batchSize: batch, channels, ...withSignal });
      const targets = mapping !== undefined && 'classes' in mapping ? cascadeLabels.map((l) => mapping.classes[l]!) : cascadeLabels;
      const classAccuracy = topKAccuracy(logits!, targets, n, recogniser.numClasses, 1);
      const interval = wilson(classAccuracy, n);
      const recogniserNames = mapping !== undefined && 'classes' in mapping ? PROCEDURAL_CLASSES : (trained?.classNames ?? []);
      const perClass = perClassAccuracy(logits!, targets, recogniser.numClasses, recogniserNames);
      metrics.classAccuracy = { value: classAccuracy, extractor: recogniser.name, interval: { ...interval, level: 0.95, method: 'wilson' }, perClass };
      ctx.say(`Class accuracy of the samples (${recogniser.name}): ${(100 * classAccuracy).toFixed(1)} %; by class: ${perClass.map((c) => `${c.name} ${(100 * c.accuracy).toFixed(0)} %`).join(', ')}`);
      rows.push({ metric: 'class accuracy', value: classAccuracy, ...interval, how: `Wilson, n = ${n}`, percent: true });
    }
    if (requested.includes('cas')) {
      if (casUnavailable !== undefined || cascadeLabels === undefined) {
        metrics.cas = { skipped: casUnavailable?.reason ?? 'the cascade is unconditional' };
      } else {
        const architecture: Omit<SmallConvnetConfig, 'imageSize'> =
          folderData === undefined
            ? { channels: classifier.file.channels, hidden: classifier.file.hidden, numClasses: classifier.file.numClasses, seed }
            : {
                inputChannels: channels,
                channels: trained?.file.architecture.channels ?? defaultExtractorWidths(resolution),
                hidden: trained?.file.architecture.hidden ?? 128,
                numClasses: numClasses!,
                seed,
              };
        const generatedLabels = mapping !== undefined && 'classes' in mapping ? Int32Array.from(cascadeLabels, (l) => mapping.classes[l]!) : Int32Array.from(cascadeLabels);
        const task = ctx.progress.start('CAS classifier', Math.ceil(n / batch) * casEpochs);
        const result = await classificationAccuracyScore({
          generated: { images: generated, labels: generatedLabels, count: n },
          real: renderReal(),
          resolution,
          architecture,
          epochs: casEpochs,
          batchSize: batch,
          seed,
          onProgress: (p) => task.update(p.step, `loss ${p.loss.toFixed(3)}`),
          ...withSignal,
        }).finally(() => task.done());
        const top1 = wilson(result.top1, result.testExamples);
        const top5 = wilson(result.top5, result.testExamples);
        metrics.cas = { ...result, top1Interval: top1, top5Interval: top5 };
        ctx.say(`CAS (${result.classifier}, trained on ${n} samples, tested on ${n} real): top-1 ${(100 * result.top1).toFixed(1)} %, top-5 ${(100 * result.top5).toFixed(1)} %`);
        rows.push({ metric: 'CAS top-1', value: result.top1, ...top1, how: `Wilson, ${result.testExamples} real images`, percent: true });
        rows.push({ metric: 'CAS top-5', value: result.top5, ...top5, how: `Wilson, ${result.testExamples} real images`, percent: true });
      }
    }
    // How far the last stage moves the colours it was handed (a super-resolution stage should keep them).
    if (below !== undefined && final.superResolution !== undefined) {
      if (sampled.inputs === undefined) {
        metrics.colourShift = { skipped: 'the clean hand-over (level 0) was not available: a truncated hand-over sampled in full, or a hand-over file without level 0' };
      } else {
        const shift = colourShift({ images: generated, count: n, resolution, channels }, { images: sampled.inputs, count: n, resolution: below.resolution, channels: below.channels }, final.superResolution.upsample);
        metrics.colourShift = shift;
        ctx.say(`Colour shift of ${final.name} (its output's mean − its upsampled input's mean, 8-bit levels): ${shift.channels.map((c) => c.shift.toFixed(2)).join(', ')}; mean |largest channel shift| ${shift.meanAbsMax.toFixed(2)}`);
        shift.channels.forEach((c, i) => rows.push({ metric: `colour shift${channels === 1 ? '' : ` ${'RGB'[i]}`}`, value: c.shift, low: c.low, high: c.high, std: c.std, how: `normal, n = ${n}, 8-bit levels` }));
      }
    }
    const metricsSeconds = (performance.now() - metricsStart) / 1000;
    if (flags.saveFeatures !== undefined) {
      const file = resolve(ctx.cwd, flags.saveFeatures);
      const realSet = await real();
      await writeFileAtomic(
        file,
        encodeFeatureFile({
          samples: fake.features,
          real: realSet,
          count: n,
          realCount: realSet.length / fake.featureDim,
          featureDim: fake.featureDim,
          ...(cascadeLabels === undefined ? {} : { labels: Int32Array.from(cascadeLabels) }),
          extractor: extractor.name,
          ...(extractor.fingerprint === undefined ? {} : { fingerprint: extractor.fingerprint }),
          provenance: { cascade: manifestPath, seed, real: folder ?? `procedural world ${worldSeed}`, ...(flags.handover === undefined ? {} : { handover: resolve(ctx.cwd, flags.handover), level: sampled.level }) },
        }),
      );
      ctx.say(`Wrote ${file}: the features of the ${n} samples and ${n} real images`);
    }
    if (rows.length > 0) ctx.say(metricsTable(rows));
    const seconds = (performance.now() - started) / 1000;
    const out = resolve(ctx.cwd, flags.out ?? 'eval.json');
    const report = {
      ok: true,
      cascade: manifestPath,
      backend: backend.name,
      extractor: extractor.name,
      extractorFingerprint: extractor.fingerprint ?? null,
      extractorInfo: {
        name: extractor.name,
        fingerprint: extractor.fingerprint ?? null,
        kind: trained !== undefined ? 'trained' : extractor === classifier ? SHIPPED : 'graph-model',
        path: extractorPath ?? null,
        ...(trained === undefined ? {} : { classNames: trained.classNames, resolution: trained.file.resolution, channels: trained.channels, heldOutAccuracy: trained.file.training.heldOutAccuracy }),
      },
      note: 'Numbers from different feature extractors are not comparable.',
      warnings,
      samples: n,
      seed,
      resolution,
      real:
        folderData === undefined
          ? { dataset: 'procedural', worldSeed, classes: distinct.map((c) => PROCEDURAL_CLASSES[c]), count: n, referenceStatistics: reference.path, cached: reference.cached }
          : { dataset: 'image-folder', path: folder!, classes: folderData.classNames, count: n, images: folderData.size, seed: 0, channels, referenceStatistics: null, cached: false },
      intervals: { level: 0.95, bootstrapResamples: resamples, seed },
      stages: cascade.stages.map((s, i) => ({ name: s.name, resolution: s.resolution, params: params[i], resolved: resolvedStageParams(s, params[i]!, ctx.registries) })),
      ...(handover === undefined
        ? {}
        : { handover: { file: resolve(ctx.cwd, flags.handover!), level: sampled.level, note: `Only the last stage was sampled; the stages below it ran once, as recorded here.`, ...handover.provenance } }),
      ...(queued === undefined ? {} : { queue: { url: queue!.display, run: queued.runId, chunks: queued.chunks, chunkSize, resumed: queued.resumed, queued: queued.queued } }),
      metrics,
      seconds: { total: seconds, sampling: samplingSeconds, features: featureSeconds, metrics: metricsSeconds },
      ...(flags.saveHandover === undefined ? {} : { savedHandover: resolve(ctx.cwd, flags.saveHandover) }),
      ...(flags.grid === undefined ? {} : { grid: resolve(ctx.cwd, flags.grid) }),
      ...(flags.saveFeatures === undefined ? {} : { savedFeatures: resolve(ctx.cwd, flags.saveFeatures) }),
      out,
    };
    await writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
    ctx.say(`Wrote ${out} in ${formatSeconds(seconds)} (sampling ${formatSeconds(samplingSeconds)})`);
    ctx.result(report);
  } finally {
    if (extractor !== classifier) extractor.dispose();
    classifier.dispose();
    loaded.dispose();
  }
  return 0;
}

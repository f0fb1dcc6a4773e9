import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { pngCodec, tensorToImages } from '@cdm/backend-node';
import { errors } from '@cdm/core';
import { PROCEDURAL_CLASSES, loadCascade, proceduralDataset, type CascadeManifest } from '@cdm/cascade';
import {
  PROCEDURAL_CLASSIFIER_ASSET,
  cachedReferenceStatistics,
  classificationAccuracyScore,
  extractFeatures,
  featureStatistics,
  fid,
  graphModelExtractor,
  inceptionScore,
  precisionRecall,
  proceduralClassifierExtractor,
  topKAccuracy,
  type FeatureExtractor,
  type LabelledImages,
  type SmallConvnetFile,
} from '@cdm/cascade/eval';
import { captionedGrid } from '../caption-grid';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { requireDemoCascade } from '../demo';
import { sampleForEval } from '../eval-samples';
import { fileStorage, toStoragePath } from '../file-storage';
import { decodeHandover, encodeHandover, type Handover } from '../handover-file';
import type { CliIo } from '../io';
import { parseChoice, parseInteger, parseNumber } from '../parse-values';
import { pluginImporter } from '../plugins';
import { formatSeconds } from '../progress';
import { readJsonFile } from '../read-json';
import { parseStageSampleFlags, withStageSampleFlags, type StageSampleFlags } from '../stage-sample-flags';
import type { RunState } from './index';

interface EvalFlags extends CommonFlags, StageSampleFlags {
  readonly demo?: boolean;
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
  readonly weights?: string;
  readonly out?: string;
  readonly cacheDir?: string;
  readonly handover?: string;
  readonly saveHandover?: string;
  readonly handoverLevels?: string;
  readonly grid?: string;
}

const METRICS = ['fid', 'is', 'pr', 'cas'] as const;
type Metric = (typeof METRICS)[number];
/** Samples in the --grid picture: four rows of the ten procedural classes. */
const GRID_IMAGES = 40;
const GRID_IMAGES_TEXT = String(GRID_IMAGES);
/** The procedural world the real reference images come from: neither the demo cascade nor the shipped classifier trained on it. */
const HELD_OUT_WORLD = 7919;

export function registerEval(program: Command, io: CliIo, state: RunState): void {
  withStageSampleFlags(
    withCommonFlags(program.command('eval'))
      .description('evaluate a cascade: FID, Inception Score, precision/recall and CAS of N samples against held-out real data')
      .argument('[cascade]', 'a cascade.json (or use --demo)')
      .option('--demo', 'the demo cascade bundled with @cdm/cli')
      .option('--n <count>', 'samples to generate (and real images to compare with)', '500')
      .option('--batch <n>', 'images per sampling and feature batch', '50')
      .option('--seed <n>', 'random seed of the sampling', '1')
      .option('--dataset <name>', 'the real data: procedural', 'procedural')
      .option('--world-seed <n>', 'procedural world of the real images (held out from training)', String(HELD_OUT_WORLD))
      .option('--extractor <name>', 'feature extractor: procedural-classifier (shipped with @cdm/cascade)', 'procedural-classifier')
      .option('--graph-model <dir-or-url>', 'use a tfjs graph model (e.g. converted InceptionV3) as the extractor instead')
      .option('--feature-node <name>', 'graph model node with the features (default: its output)')
      .option('--logits-node <name>', 'graph model node with the logits (for the Inception Score)')
      .option('--input-size <n>', 'graph model input side', '299')
      .option('--input-range <low,high>', 'graph model input range', '-1,1')
      .option('--metrics <list>', 'any of fid,is,pr,cas', 'fid,is,pr,cas')
      .option('--k <n>', 'nearest neighbours for precision/recall', '3')
      .option('--splits <n>', 'Inception Score splits', '10')
      .option('--cas-epochs <n>', 'epochs of the CAS classifier on the generated images', '30'),
  )
    .option('--weights <which>', 'ema or model (default: what cascade.json says)')
    .option('-o, --out <file>', 'the JSON report to write', 'eval.json')
    .option('--save-handover <file>', 'also save what the stage below the last hands over (its samples), to evaluate other last stages on the same ones')
    .option('--handover-levels <list>', 'with --save-handover: also its states at these levels s, for truncated hand-overs (e.g. 51,102,253,495)')
    .option('--handover <file>', 'sample only the last stage, from a --save-handover file (at level s with --truncate --aug-level …,s)')
    .option('--grid <png>', `also write the first ${GRID_IMAGES_TEXT} samples as a captioned grid`)
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
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, await pngCodec().encodePng(grid));
}

async function runEval(ctx: CommandContext, cascadeArg: string | undefined, flags: EvalFlags): Promise<number> {
  if (flags.demo === true && cascadeArg !== undefined) throw errors.invalidArgument('cascade', 'either a cascade.json or --demo, not both', cascadeArg);
  if (flags.demo !== true && cascadeArg === undefined) throw errors.invalidArgument('cascade', 'a cascade.json path (or --demo for the bundled demo)', undefined);
  const n = parseInteger('--n', flags.n ?? '500', 1);
  if (n < 2) throw errors.invalidArgument('--n', 'at least 2 (a covariance needs two samples)', flags.n);
  const batch = parseInteger('--batch', flags.batch ?? '50', 1);
  const seed = parseInteger('--seed', flags.seed ?? '1');
  parseChoice('--dataset', flags.dataset ?? 'procedural', ['procedural'] as const);
  const worldSeed = parseInteger('--world-seed', flags.worldSeed ?? String(HELD_OUT_WORLD), 0);
  const requested = parseMetrics(flags.metrics ?? METRICS.join(','));
  const k = parseInteger('--k', flags.k ?? '3', 1);
  if (requested.includes('pr') && k >= n) throw errors.invalidArgument('--k', `an integer below --n (${n})`, flags.k);
  const splits = parseInteger('--splits', flags.splits ?? '10', 1);
  if (requested.includes('is') && splits > n) throw errors.invalidArgument('--splits', `at most --n (${n})`, flags.splits);
  const casEpochs = parseInteger('--cas-epochs', flags.casEpochs ?? '30', 1);
  const weights = flags.weights === undefined ? undefined : parseChoice('--weights', flags.weights, ['ema', 'model'] as const);
  if (flags.graphModel === undefined) {
    parseChoice('--extractor', flags.extractor ?? 'procedural-classifier', ['procedural-classifier'] as const);
    for (const [flag, value] of [['--feature-node', flags.featureNode], ['--logits-node', flags.logitsNode]] as const) {
      if (value !== undefined) throw errors.invalidArgument(flag, 'nothing without --graph-model', value);
    }
  }
  const inputSize = parseInteger('--input-size', flags.inputSize ?? '299', 1);
  const range = (flags.inputRange ?? '-1,1').split(',').map((v) => parseNumber('--input-range', v));
  if (range.length !== 2 || !(range[0]! < range[1]!)) throw errors.invalidArgument('--input-range', 'low,high with low < high', flags.inputRange);
  const manifestPath = flags.demo === true ? requireDemoCascade(ctx.env) : resolve(ctx.cwd, cascadeArg!);
  await readJsonFile(manifestPath, 'cascade.json');
  const cacheDir = resolve(ctx.cwd, flags.cacheDir ?? join(ctx.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cdm', 'eval'));

  const started = performance.now();
  const { backend } = await ctx.useBackend();
  const storage = fileStorage();
  const signal = ctx.io.signal;
  const withSignal = signal === undefined ? {} : { signal };
  const loaded = await loadCascade(storage, toStoragePath(manifestPath), {
    registries: ctx.registries,
    importPlugin: pluginImporter(dirname(manifestPath), ctx.cwd),
    ...(weights === undefined ? {} : { weights }),
    ...withSignal,
  });
  const classifierDir = join(cascadePackageDir(), PROCEDURAL_CLASSIFIER_ASSET);
  const classifier = await proceduralClassifierExtractor({ storage, path: toStoragePath(classifierDir), ...withSignal });
  let extractor: FeatureExtractor = classifier;
  try {
    const { cascade, manifest } = loaded;
    const params = parseStageSampleFlags(flags, cascade.stages, ctx.registries);
    const final = cascade.stages.at(-1)!;
    const resolution = final.resolution;
    const pixels = resolution * resolution * final.channels;
    const numClasses = cascade.stages[0]!.numClasses;
    const mapping = proceduralClassesOf(manifest, numClasses);
    if ('reason' in mapping && flags.metrics?.split(',').some((m) => m.trim() === 'cas')) {
      throw errors.invalidArgument('--metrics cas', `a class-conditional cascade whose classNames are procedural classes (${mapping.reason})`, flags.metrics);
    }
    if (flags.graphModel !== undefined) {
      const source = /^https?:\/\//.test(flags.graphModel) ? flags.graphModel : { storage, path: toStoragePath(resolve(ctx.cwd, flags.graphModel)) };
      extractor = await graphModelExtractor({
        model: source,
        inputSize,
        inputRange: [range[0]!, range[1]!],
        name: `graph-model:${basename(flags.graphModel.replace(/\/(model\.json)?$/, ''))}:${flags.featureNode ?? 'output'}`,
        ...(flags.featureNode === undefined ? {} : { featureNode: flags.featureNode }),
        ...(flags.logitsNode === undefined ? {} : { logitsNode: flags.logitsNode }),
        ...withSignal,
      });
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
    const sampled = await sampleForEval(ctx, {
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
    const generated = sampled.images;
    const samplingSeconds = sampled.seconds;
    if (sampled.recorded !== undefined) {
      const file = resolve(ctx.cwd, flags.saveHandover!);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, encodeHandover(sampled.recorded));
      ctx.say(`Wrote ${file}: the ${n} images ${cascade.stages.at(-2)!.name} hands over, at levels ${[...sampled.recorded.levels.keys()].join(', ')}`);
    }
    if (flags.grid !== undefined) {
      const file = resolve(ctx.cwd, flags.grid);
      const names = cascadeLabels?.map((l) => manifest.classNames?.[l] ?? String(l));
      await writeSampleGrid(file, generated, resolution, final.channels, Math.min(n, GRID_IMAGES), names, numClasses);
      ctx.say(`Wrote ${file}: the first ${Math.min(n, GRID_IMAGES)} samples`);
    }

    // 2. Features of the samples.
    const featureStart = performance.now();
    const progress = (label: string, total: number) => {
      const task = ctx.progress.start(label, total, { unit: 'images' });
      return { onProgress: (done: number) => task.update(done), done: () => task.done() };
    };
    const fakeTask = progress(`features (${extractor.name})`, n);
    const fake = await extractFeatures(extractor, generated, n, resolution, { batchSize: batch, onProgress: fakeTask.onProgress, ...withSignal }).finally(fakeTask.done);

    // 3. Real held-out images of the same classes, and their statistics (cached).
    const realClasses = 'classes' in mapping ? mapping.classes : PROCEDURAL_CLASSES.map((_, i) => i);
    const distinct = [...new Set(realClasses)].sort((a, b) => a - b);
    const world = proceduralDataset({ resolution, worldSeed, size: 10 * (Math.ceil(n / distinct.length) + 1) });
    let realImages: LabelledImages | undefined;
    const renderReal = (): LabelledImages => {
      if (realImages !== undefined) return realImages;
      const images = new Float32Array(n * pixels);
      const labels = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        const cls = distinct[j % distinct.length]!;
        const index = PROCEDURAL_CLASSES.length * Math.floor(j / distinct.length) + cls;
        images.set(world.render(index), j * pixels);
        labels[j] = cls;
      }
      realImages = { images, labels, count: n };
      return realImages;
    };
    const split = `world${worldSeed}${distinct.length === PROCEDURAL_CLASSES.length ? '' : `-classes${distinct.join('.')}`}`;
    const referenceKey = { dataset: 'procedural', split, resolution, count: n, extractor: extractor.name, ...(extractor.fingerprint === undefined ? {} : { fingerprint: extractor.fingerprint }) };
    const reference = await cachedReferenceStatistics({
      storage,
      dir: toStoragePath(cacheDir),
      key: referenceKey,
      compute: async () => {
        const real = renderReal();
        const task = progress(`reference features (${extractor.name})`, n);
        const set = await extractFeatures(extractor, real.images, n, resolution, { batchSize: batch, onProgress: task.onProgress, ...withSignal }).finally(task.done);
        return {
          key: referenceKey,
          statistics: featureStatistics(set.features, n, set.featureDim, extractor.name),
          features: set.features,
        };
      },
    });
    const featureSeconds = (performance.now() - featureStart) / 1000;
    ctx.say(`${reference.cached ? 'Read' : 'Wrote'} reference statistics ${reference.path}`);

    // 4. Metrics.
    const metricsStart = performance.now();
    const metrics: Record<string, unknown> = {};
    const d = fake.featureDim;
    if (requested.includes('fid')) {
      const result = fid(featureStatistics(fake.features, n, d, extractor.name), reference.statistics);
      metrics.fid = { value: result.fid, extractor: result.extractor, meanTerm: result.meanTerm, covarianceTerm: result.covarianceTerm, clampedEigenvalues: result.clampedEigenvalues, mostNegativeRelative: result.mostNegativeRelative };
      ctx.say(`FID (${extractor.name}, ${n} vs ${n}): ${result.fid.toFixed(3)}`);
    }
    if (requested.includes('is')) {
      if (fake.logits === undefined) {
        metrics.is = { skipped: `${extractor.name} gives no logits (pass --logits-node)` };
      } else {
        const result = inceptionScore(fake.logits, n, extractor.numClasses!, splits, extractor.name);
        metrics.is = result;
        ctx.say(`Inception Score (${extractor.name}, ${splits} splits): ${result.mean.toFixed(3)} ± ${result.std.toFixed(3)}`);
      }
    }
    if (requested.includes('pr')) {
      const realFeatures = reference.features ?? (await extractFeatures(extractor, renderReal().images, n, resolution, { batchSize: batch, ...withSignal })).features;
      const result = precisionRecall(realFeatures, fake.features, n, d, k, { extractor: extractor.name });
      metrics.pr = result;
      ctx.say(`Precision / recall (${extractor.name}, k = ${k}): ${result.precision.toFixed(3)} / ${result.recall.toFixed(3)}`);
    }
    // How often the shipped classifier recognises the class each sample was drawn for.
    let classAccuracy: number | undefined;
    if ('classes' in mapping && cascadeLabels !== undefined) {
      const { logits } = extractor === classifier ? fake : await extractFeatures(classifier, generated, n, resolution, { batchSize: batch, ...withSignal });
      classAccuracy = topKAccuracy(logits!, cascadeLabels.map((l) => mapping.classes[l]!), n, classifier.numClasses, 1);
      metrics.classAccuracy = { value: classAccuracy, extractor: classifier.name };
      ctx.say(`Class accuracy of the samples (${classifier.name}): ${(100 * classAccuracy).toFixed(1)} %`);
    }
    if (requested.includes('cas')) {
      if ('reason' in mapping || cascadeLabels === undefined) {
        metrics.cas = { skipped: 'reason' in mapping ? mapping.reason : 'the cascade is unconditional' };
      } else {
        const file: SmallConvnetFile = classifier.file;
        const task = ctx.progress.start('CAS classifier', Math.ceil(n / batch) * casEpochs);
        const result = await classificationAccuracyScore({
          generated: { images: generated, labels: Int32Array.from(cascadeLabels, (l) => mapping.classes[l]!), count: n },
          real: renderReal(),
          resolution,
          architecture: { channels: file.channels, hidden: file.hidden, numClasses: file.numClasses, seed },
          epochs: casEpochs,
          batchSize: batch,
          seed,
          onProgress: (p) => task.update(p.step, `loss ${p.loss.toFixed(3)}`),
          ...withSignal,
        }).finally(() => task.done());
        metrics.cas = result;
        ctx.say(`CAS (${result.classifier}, trained on ${n} samples, tested on ${n} real): top-1 ${(100 * result.top1).toFixed(1)} %, top-5 ${(100 * result.top5).toFixed(1)} %`);
      }
    }
    const metricsSeconds = (performance.now() - metricsStart) / 1000;
    const seconds = (performance.now() - started) / 1000;
    const out = resolve(ctx.cwd, flags.out ?? 'eval.json');
    const report = {
      ok: true,
      cascade: manifestPath,
      backend: backend.name,
      extractor: extractor.name,
      extractorFingerprint: extractor.fingerprint ?? null,
      note: 'Numbers from different feature extractors are not comparable.',
      samples: n,
      seed,
      resolution,
      real: { dataset: 'procedural', worldSeed, classes: distinct.map((c) => PROCEDURAL_CLASSES[c]), count: n, referenceStatistics: reference.path, cached: reference.cached },
      stages: cascade.stages.map((s, i) => ({ name: s.name, resolution: s.resolution, params: params[i] })),
      ...(handover === undefined
        ? {}
        : { handover: { file: resolve(ctx.cwd, flags.handover!), level: sampled.level, note: `Only the last stage was sampled; the stages below it ran once, as recorded here.`, ...handover.provenance } }),
      metrics,
      seconds: { total: seconds, sampling: samplingSeconds, features: featureSeconds, metrics: metricsSeconds },
      ...(flags.saveHandover === undefined ? {} : { savedHandover: resolve(ctx.cwd, flags.saveHandover) }),
      ...(flags.grid === undefined ? {} : { grid: resolve(ctx.cwd, flags.grid) }),
      out,
    };
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    ctx.say(`Wrote ${out} in ${formatSeconds(seconds)} (sampling ${formatSeconds(samplingSeconds)})`);
    ctx.result(report);
  } finally {
    if (extractor !== classifier) extractor.dispose();
    classifier.dispose();
    loaded.dispose();
  }
  return 0;
}

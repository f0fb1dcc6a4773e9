import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkBatchFits, errors, type RawImage } from '@cdm/core';
import { loadCascade, type CascadeManifest } from '@cdm/cascade';
import { ensureGradients, pngCodec, tensorToImages } from '@cdm/backend-node';
import { CAPTION_HEIGHT, captionedGrid } from '../caption-grid';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { cascadeArgument, DEMO_FLAG_HELP } from '../demo';
import { fileStorage, toStoragePath, writeFileAtomic } from '../file-storage';
import { removedMessage, removeInterruptedOutDirWrites } from '../interrupted-writes';
import type { CliIo } from '../io';
import { parseChoice, parseInteger, parseSeed } from '../parse-values';
import { pluginImporter } from '../plugins';
import { formatSeconds } from '../progress';
import { readJsonFile } from '../read-json';
import { DEFAULT_CHUNK_SIZE } from '../queue/sample-chunk';
import { parseRedisUrl } from '../queue/redis-url';
import { imagesOf, type ChunkContents } from '../queue/chunk-file';
import type { QueueSampleSummary } from '../queue/sample-on-queue';
import { resolvedStageParams } from '../resolved-params';
import { parseStageSampleFlags, withFlagNames, withStageSampleFlags, type StageSampleFlags } from '../stage-sample-flags';
import type { RunState } from './index';

interface SampleFlags extends CommonFlags, StageSampleFlags {
  readonly demo?: string | boolean;
  readonly classes?: string;
  readonly n?: string;
  readonly batch?: string;
  readonly seed?: string;
  readonly weights?: string;
  readonly out?: string;
  readonly outDir?: string;
  readonly columns?: string;
  readonly labels?: boolean;
  readonly grid?: boolean;
  readonly queue?: string;
  readonly chunkSize?: string;
  readonly sharedDir?: string;
}

export function registerSample(program: Command, io: CliIo, state: RunState): void {
  withStageSampleFlags(
    withCommonFlags(program.command('sample'))
      .description('sample a cascade into a PNG grid; per-stage flags take comma-separated values, one per stage')
      .argument('[cascade]', 'a cascade.json (or use --demo)')
      .option('--demo [name]', DEMO_FLAG_HELP)
      .option('--classes <list>', 'class indices or names, e.g. 0,3,7 or circle,star (default: every class in turn)')
      .option('--n <count>', `number of images (default: one per --classes entry, else 16; at most ${MAX_SAMPLE_IMAGES.toLocaleString('en-US')})`)
      .option('--batch <count>', `images sampled at once (default ${DEFAULT_SAMPLE_BATCH}); image i depends only on --seed and i, whatever the batch`)
      .option('--seed <n>', 'random seed, an integer in 0…2^53 − 1', '0'),
  )
    .option('--weights <which>', 'ema or model (default: what cascade.json says)')
    .option('-o, --out <file>', 'the PNG grid to write', 'samples.png')
    .option('--out-dir <dir>', 'also write each image as its own PNG here, as each batch finishes')
    .option('--no-grid', 'write no grid, only --out-dir (for any --n; the grid is limited to 8192×8192 pixels)')
    .option('--columns <n>', 'images per row of the grid (default ⌈√n⌉)')
    .option('--no-labels', "don't caption the grid's images with their class names")
    .option('--queue <url>', 'sample on `cdm worker` processes through BullMQ on this Redis (redis://host:port) instead of in this process; same images')
    .option('--chunk-size <n>', `with --queue: images per job (default ${DEFAULT_CHUNK_SIZE})`)
    .option('--shared-dir <dir>', 'with --queue: a directory every worker can write, for the finished chunks (default: the directory of --out)')
    .action(async (cascade: string | undefined, flags: SampleFlags) => {
      // Sampling needs no gradients, and importing tfjs' registrations costs ~1 s of start-up (issue 25).
      state.exitCode = await runSample(createContext(io, flags, { gradients: false }), cascade, flags);
    });
}

/** Resolves --classes (indices or names) against the cascade's classes. */
function parseClasses(value: string, manifest: CascadeManifest, numClasses: number): number[] {
  return value.split(',').map((item) => {
    const trimmed = item.trim();
    if (/^\d+$/.test(trimmed)) {
      const label = Number(trimmed);
      if (label >= numClasses) throw errors.invalidArgument('--classes', `class indices 0…${numClasses - 1}`, trimmed);
      return label;
    }
    const index = manifest.classNames?.indexOf(trimmed) ?? -1;
    if (index < 0) {
      const names = manifest.classNames === undefined ? 'this cascade has no class names' : `names: ${manifest.classNames.join(', ')}`;
      throw errors.invalidArgument('--classes', `class indices 0…${numClasses - 1} or class names (${names})`, trimmed);
    }
    return index;
  });
}

/** The most images one `cdm sample` call makes (with --no-grid; a grid is limited by MAX_GRID_PIXELS first). */
export const MAX_SAMPLE_IMAGES = 1_000_000;
/** The largest grid PNG `cdm sample` writes: 8192 × 8192 pixels' worth (the grid is held in memory until it is encoded). */
export const MAX_GRID_PIXELS = 8192 * 8192;
/** Images per sampling batch unless --batch says otherwise. */
export const DEFAULT_SAMPLE_BATCH = 16;

/** The grid's size in pixels, as `imageGrid` lays it out (2-pixel padding), without making it. */
function gridSize(n: number, resolution: number, captioned: boolean, columns: number | undefined): { width: number; height: number; columns: number } {
  const perRow = columns ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / perRow);
  return { width: perRow * (resolution + 2) + 2, height: rows * (resolution + (captioned ? CAPTION_HEIGHT : 0) + 2) + 2, columns: perRow };
}

async function runSample(ctx: CommandContext, cascadeArg: string | undefined, flags: SampleFlags): Promise<number> {
  // Flags that do not depend on the cascade are checked before anything loads.
  const seed = parseSeed('--seed', flags.seed ?? '0');
  const requested = flags.n === undefined ? undefined : parseInteger('--n', flags.n, 1);
  if (requested !== undefined && requested > MAX_SAMPLE_IMAGES) {
    throw errors.tooLarge(`--n ${flags.n}`, `${MAX_SAMPLE_IMAGES} images per call`, 'Sample in several calls with different --seed values');
  }
  const batchFlag = flags.batch === undefined ? undefined : parseInteger('--batch', flags.batch, 1);
  const columns = flags.columns === undefined ? undefined : parseInteger('--columns', flags.columns, 1);
  const weights = flags.weights === undefined ? undefined : parseChoice('--weights', flags.weights, ['ema', 'model'] as const);
  const grid = flags.grid !== false;
  const queue = flags.queue === undefined ? undefined : parseRedisUrl('--queue', flags.queue);
  const chunkSize = flags.chunkSize === undefined ? DEFAULT_CHUNK_SIZE : parseInteger('--chunk-size', flags.chunkSize, 1);
  if (queue === undefined && (flags.chunkSize !== undefined || flags.sharedDir !== undefined)) throw errors.invalidArgument(flags.chunkSize === undefined ? '--shared-dir' : '--chunk-size', 'a --queue to go with it', 'no --queue');
  if (!grid && flags.outDir === undefined) throw errors.invalidArgument('--no-grid', 'an --out-dir to write the images to', 'no --out-dir');
  // What killed writes of --out-dir images left there (those temporary files only, nothing of the user's).
  const stale = flags.outDir === undefined ? [] : await removeInterruptedOutDirWrites(resolve(ctx.cwd, flags.outDir));
  if (stale.length > 0) ctx.say(removedMessage(stale));
  const manifestPath = cascadeArgument(ctx, cascadeArg, flags.demo);
  await readJsonFile(manifestPath, 'cascade.json'); // a missing or broken file is reported before the backend starts

  const { backend } = await ctx.useBackend();
  const loadStart = performance.now();
  const loaded = await loadCascade(fileStorage(), toStoragePath(manifestPath), {
    registries: ctx.registries,
    importPlugin: pluginImporter(dirname(manifestPath), ctx.cwd),
    ...(weights === undefined ? {} : { weights }),
    ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
  });
  try {
    const { cascade, manifest } = loaded;
    const stages = cascade.stages;
    const base = stages[0]!;
    const final = stages[stages.length - 1]!;
    const loadSeconds = (performance.now() - loadStart) / 1000;
    if (stages.some((stage) => stage.classifier !== undefined)) await ensureGradients(); // classifier guidance differentiates the classifier

    const params = parseStageSampleFlags(flags, stages, ctx.registries);

    const numClasses = base.numClasses;
    let labels: number[] | undefined;
    if (numClasses !== undefined) {
      const classes = flags.classes === undefined ? Array.from({ length: numClasses }, (_, i) => i) : parseClasses(flags.classes, manifest, numClasses);
      const n = requested ?? (flags.classes === undefined ? 16 : classes.length);
      if (n > MAX_SAMPLE_IMAGES) throw errors.tooLarge(`--classes (${n} entries)`, `${MAX_SAMPLE_IMAGES} images per call`, 'Sample in several calls');
      labels = Array.from({ length: n }, (_, i) => classes[i % classes.length]!);
    } else if (flags.classes !== undefined) {
      throw errors.invalidArgument('--classes', 'nothing: this cascade is unconditional', flags.classes);
    }
    const n = labels?.length ?? requested ?? 16;
    const batch = Math.min(batchFlag ?? DEFAULT_SAMPLE_BATCH, n);
    checkBatchFits('--batch', batchFlag === undefined ? batch : batchFlag, final.resolution, final.channels);
    const names = labels?.map((l) => manifest.classNames?.[l] ?? String(l));
    const captioned = flags.labels !== false && manifest.classNames !== undefined && names !== undefined;
    const layout = gridSize(n, final.resolution, captioned, columns);
    if (grid && layout.width * layout.height > MAX_GRID_PIXELS) {
      throw errors.tooLarge(
        `The grid of --n ${n} images of ${final.resolution}×${final.resolution} (${layout.width}×${layout.height} pixels)`,
        `${MAX_GRID_PIXELS} pixels (8192×8192)`,
        'Use a smaller --n (or --columns), or write the images one by one with --out-dir DIR --no-grid',
      );
    }
    const out = resolve(ctx.cwd, flags.out ?? 'samples.png');
    const dir = flags.outDir === undefined ? undefined : resolve(ctx.cwd, flags.outDir);
    const digits = Math.max(3, String(n - 1).length);
    const fileOf = (i: number) => join(dir!, `${String(i).padStart(digits, '0')}${names === undefined ? '' : `-${names[i]!.replace(/[^\w.-]+/g, '_')}`}.png`);

    ctx.say(`Loaded ${manifest.name ?? basename(dirname(manifestPath))} (${stages.map((s) => `${s.name} ${s.resolution}×${s.resolution}`).join(' → ')}) on ${backend.name} in ${formatSeconds(loadSeconds)}`);
    const codec = pngCodec();
    const cells: RawImage[] = [];
    const files: string[] = [];
    const seconds = stages.map(() => 0);
    const batches = Math.ceil(n / batch);
    // Each finished image is written (--out-dir) and only the grid's cells are kept.
    const consume = async (first: number, raw: readonly RawImage[]) => {
      if (dir !== undefined) {
        for (const [k, image] of raw.entries()) {
          const file = fileOf(first + k);
          await writeFileAtomic(file, await codec.encodePng(image));
          files.push(file);
        }
      }
      if (grid) cells.push(...raw);
    };
    let queued: QueueSampleSummary | undefined;
    if (queue !== undefined) {
      const { sampleOnQueue } = await import('../queue/sample-on-queue'); // bullmq loads only here
      queued = await sampleOnQueue(ctx, {
        kind: 'images',
        address: queue,
        manifestPath,
        manifest,
        ...(weights === undefined ? {} : { weights }),
        seed,
        n,
        labels,
        stages: params,
        batch,
        chunkSize,
        sharedDir: flags.sharedDir === undefined ? dirname(out) : resolve(ctx.cwd, flags.sharedDir),
        onChunk: async (first, chunk: ChunkContents) => {
          chunk.stageMs.forEach((ms, i) => (seconds[i]! += ms / 1000));
          await consume(first, imagesOf(chunk.arrays.images, `chunk ${first}`));
        },
      });
    }
    // Batch by batch: image i draws its noise from (seed, i) alone, so the images are those of one call with all n.
    for (let first = 0, b = 1; queue === undefined && first < n; first += batch, b++) {
      const size = Math.min(batch, n - first);
      const which = batches === 1 ? '' : ` (batch ${b}/${batches})`;
      const tasks = new Map<number, ReturnType<CommandContext['progress']['start']>>();
      const result = await withFlagNames(() => cascade.sample({
        ...(labels === undefined ? { count: size } : { classLabels: labels.slice(first, first + size) }),
        seed,
        firstIndex: first,
        stages: params,
        ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
        onProgress: ({ stage, stageName, step, totalSteps }) => {
          let task = tasks.get(stage);
          if (task === undefined) {
            task = ctx.progress.start(`${stageName} ${stages[stage]!.resolution}×${stages[stage]!.resolution}${which}`, totalSteps);
            tasks.set(stage, task);
          }
          task.update(step); // 1-based: the number of steps done
        },
        onStage: (stage) => {
          tasks.get(stage)?.done();
          tasks.delete(stage);
        },
      })).finally(() => tasks.forEach((task) => task.done())); // an error or Ctrl-C mid-stage still ends its bar
      let raw: RawImage[];
      try {
        raw = await tensorToImages(result.images);
      } finally {
        result.images.dispose();
      }
      result.timings.forEach((ms, i) => (seconds[i]! += ms / 1000));
      await consume(first, raw);
    }
    const timings = stages.map((stage, i) => ({ name: stage.name, resolution: stage.resolution, seconds: seconds[i]! }));
    for (const t of timings) ctx.say(`  ${t.name} (${t.resolution}×${t.resolution}): ${formatSeconds(t.seconds)}`);
    let gridInfo: { width: number; height: number; columns: number; captions: boolean } | null = null;
    if (grid) {
      const image = captionedGrid(cells, captioned ? names : undefined, columns);
      await writeFileAtomic(out, await codec.encodePng(image));
      gridInfo = { width: image.width, height: image.height, columns: layout.columns, captions: captioned };
      ctx.say(`Wrote ${out}: ${n} images of ${final.resolution}×${final.resolution} in a ${layout.columns}-column grid (${image.width}×${image.height}${captioned ? ', captioned' : ''})`);
    }
    if (names !== undefined && grid) ctx.say(`Classes, row by row: ${names.length > 100 ? `${names.slice(0, 100).join(', ')}, …` : names.join(', ')}`);
    if (files.length > 0) ctx.say(`Wrote ${files.length} images to ${dir!}`);
    ctx.result({
      ok: true,
      cascade: manifestPath,
      backend: backend.name,
      seed,
      images: n,
      batch,
      ...(queued === undefined ? {} : { queue: { url: queue!.display, run: queued.runId, chunks: queued.chunks, chunkSize, resumed: queued.resumed, queued: queued.queued } }),
      resolution: final.resolution,
      classes: labels ?? null,
      classNames: names ?? null,
      out: grid ? out : null,
      grid: gridInfo,
      files,
      loadSeconds,
      stages: timings.map((t, i) => ({ ...t, params: params[i], resolved: resolvedStageParams(stages[i]!, params[i]!, ctx.registries) })),
    });
  } finally {
    loaded.dispose();
  }
  return 0;
}

import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { errors } from '@cdm/core';
import { loadCascade, type CascadeManifest } from '@cdm/cascade';
import { pngCodec, tensorToImages } from '@cdm/backend-node';
import { captionedGrid } from '../caption-grid';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { requireDemoCascade } from '../demo';
import { fileStorage, toStoragePath } from '../file-storage';
import type { CliIo } from '../io';
import { parseChoice, parseInteger } from '../parse-values';
import { pluginImporter } from '../plugins';
import { formatSeconds } from '../progress';
import { readJsonFile } from '../read-json';
import { parseStageSampleFlags, withFlagNames, withStageSampleFlags, type StageSampleFlags } from '../stage-sample-flags';
import type { RunState } from './index';

interface SampleFlags extends CommonFlags, StageSampleFlags {
  readonly demo?: boolean;
  readonly classes?: string;
  readonly n?: string;
  readonly seed?: string;
  readonly weights?: string;
  readonly out?: string;
  readonly outDir?: string;
  readonly columns?: string;
  readonly labels?: boolean;
}

export function registerSample(program: Command, io: CliIo, state: RunState): void {
  withStageSampleFlags(
    withCommonFlags(program.command('sample'))
      .description('sample a cascade into a PNG grid; per-stage flags take comma-separated values, one per stage')
      .argument('[cascade]', 'a cascade.json (or use --demo)')
      .option('--demo', 'the demo cascade bundled with @cdm/cli')
      .option('--classes <list>', 'class indices or names, e.g. 0,3,7 or circle,star (default: every class in turn)')
      .option('--n <count>', 'number of images (default: one per --classes entry, else 16)')
      .option('--seed <n>', 'random seed', '0'),
  )
    .option('--weights <which>', 'ema or model (default: what cascade.json says)')
    .option('-o, --out <file>', 'the PNG grid to write', 'samples.png')
    .option('--out-dir <dir>', 'also write each image as its own PNG here')
    .option('--columns <n>', 'images per row of the grid (default ⌈√n⌉)')
    .option('--no-labels', "don't caption the grid's images with their class names")
    .action(async (cascade: string | undefined, flags: SampleFlags) => {
      state.exitCode = await runSample(createContext(io, flags), cascade, flags);
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

async function runSample(ctx: CommandContext, cascadeArg: string | undefined, flags: SampleFlags): Promise<number> {
  if (flags.demo === true && cascadeArg !== undefined) throw errors.invalidArgument('cascade', 'either a cascade.json or --demo, not both', cascadeArg);
  if (flags.demo !== true && cascadeArg === undefined) throw errors.invalidArgument('cascade', 'a cascade.json path (or --demo for the bundled demo)', undefined);
  // Flags that do not depend on the cascade are checked before anything loads.
  const seed = parseInteger('--seed', flags.seed ?? '0');
  const requested = flags.n === undefined ? undefined : parseInteger('--n', flags.n, 1);
  const columns = flags.columns === undefined ? undefined : parseInteger('--columns', flags.columns, 1);
  const weights = flags.weights === undefined ? undefined : parseChoice('--weights', flags.weights, ['ema', 'model'] as const);
  const manifestPath = flags.demo === true ? requireDemoCascade(ctx.env) : resolve(ctx.cwd, cascadeArg!);
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
    const loadSeconds = (performance.now() - loadStart) / 1000;

    const params = parseStageSampleFlags(flags, stages, ctx.registries);

    const numClasses = base.numClasses;
    let labels: number[] | undefined;
    if (numClasses !== undefined) {
      const classes = flags.classes === undefined ? Array.from({ length: numClasses }, (_, i) => i) : parseClasses(flags.classes, manifest, numClasses);
      const n = requested ?? (flags.classes === undefined ? 16 : classes.length);
      labels = Array.from({ length: n }, (_, i) => classes[i % classes.length]!);
    } else if (flags.classes !== undefined) {
      throw errors.invalidArgument('--classes', 'nothing: this cascade is unconditional', flags.classes);
    }
    const n = labels?.length ?? requested ?? 16;

    ctx.say(`Loaded ${manifest.name ?? basename(dirname(manifestPath))} (${stages.map((s) => `${s.name} ${s.resolution}×${s.resolution}`).join(' → ')}) on ${backend.name} in ${formatSeconds(loadSeconds)}`);
    const tasks = new Map<number, ReturnType<CommandContext['progress']['start']>>();
    const result = await withFlagNames(() => cascade.sample({
      ...(labels === undefined ? { count: n } : { classLabels: labels }),
      seed,
      stages: params,
      ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
      onProgress: ({ stage, stageName, step, totalSteps }) => {
        let task = tasks.get(stage);
        if (task === undefined) {
          task = ctx.progress.start(`${stageName} ${stages[stage]!.resolution}×${stages[stage]!.resolution}`, totalSteps);
          tasks.set(stage, task);
        }
        task.update(step); // 1-based: the number of steps done
      },
      onStage: (stage) => {
        tasks.get(stage)?.done();
        tasks.delete(stage);
      },
    })).finally(() => tasks.forEach((task) => task.done())); // an error or Ctrl-C mid-stage still ends its bar
    try {
      const raw = await tensorToImages(result.images);
      const codec = pngCodec();
      const names = labels?.map((l) => manifest.classNames?.[l] ?? String(l));
      const captioned = flags.labels !== false && manifest.classNames !== undefined && names !== undefined;
      const grid = captionedGrid(raw, captioned ? names : undefined, columns);
      const out = resolve(ctx.cwd, flags.out ?? 'samples.png');
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, await codec.encodePng(grid));
      const files: string[] = [];
      if (flags.outDir !== undefined) {
        const dir = resolve(ctx.cwd, flags.outDir);
        await mkdir(dir, { recursive: true });
        for (const [i, image] of raw.entries()) {
          const file = join(dir, `${String(i).padStart(3, '0')}${names === undefined ? '' : `-${names[i]!.replace(/[^\w.-]+/g, '_')}`}.png`);
          await writeFile(file, await codec.encodePng(image));
          files.push(file);
        }
      }
      const timings = stages.map((stage, i) => ({ name: stage.name, resolution: stage.resolution, seconds: result.timings[i]! / 1000 }));
      for (const t of timings) ctx.say(`  ${t.name} (${t.resolution}×${t.resolution}): ${formatSeconds(t.seconds)}`);
      const perRow = columns ?? Math.ceil(Math.sqrt(n));
      ctx.say(`Wrote ${out}: ${n} images of ${result.images.shape[1]}×${result.images.shape[2]} in a ${perRow}-column grid (${grid.width}×${grid.height}${captioned ? ', captioned' : ''})`);
      if (names !== undefined) ctx.say(`Classes, row by row: ${names.join(', ')}`);
      if (files.length > 0) ctx.say(`Wrote ${files.length} images to ${resolve(ctx.cwd, flags.outDir!)}`);
      ctx.result({
        ok: true,
        cascade: manifestPath,
        backend: backend.name,
        seed,
        images: n,
        resolution: result.images.shape[1],
        classes: labels ?? null,
        classNames: names ?? null,
        out,
        grid: { width: grid.width, height: grid.height, columns: perRow, captions: captioned },
        files,
        loadSeconds,
        stages: timings.map((t, i) => ({ ...t, params: params[i] })),
      });
    } finally {
      result.images.dispose();
    }
  } finally {
    loaded.dispose();
  }
  return 0;
}

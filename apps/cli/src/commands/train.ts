import { dirname, join, relative, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { errors, joinPath } from '@cdm/core';
import { readCheckpoint, resolveTrainOptions, trainStage, type TrainStageOptions } from '@cdm/cascade';
import { loadNativeAddon, nativeKernelThreads } from '@cdm/backend-node';
import { buildStage, createDenoiser } from '../build-stage';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { fileStorage, toStoragePath } from '../file-storage';
import type { CliIo } from '../io';
import { parseInteger } from '../parse-values';
import { pluginImporter } from '../plugins';
import { formatDatasetSummary } from '../dataset-summary';
import { removedMessage, removeInterruptedTrainWrites } from '../interrupted-writes';
import { openDataset } from '../open-dataset';
import { nativeKernelWarning } from '../native-warning';
import { formatSeconds } from '../progress';
import { readJsonFile, validate } from '../read-json';
import { rebasePlugin, writeStageFile } from '../stage-file';
import { trainConfigSchema, type TrainConfig } from '../train-config';
import { registerPlugins } from '../register-plugins';
import { lockRunDirectory } from '../run-dir-lock';
import { trainExtras } from '../train-extras';
import type { RunState } from './index';

interface TrainFlags extends CommonFlags {
  readonly steps?: string;
}

export function registerTrain(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('train'))
    .description('train one stage from a JSON config; resumes from the run directory; Ctrl-C saves and exits')
    .argument('<config>', 'a stage training config (see the README)')
    .option('--steps <n>', "override training.steps (the run's total)")
    .action(async (config: string, flags: TrainFlags) => {
      state.exitCode = await runTrain(createContext(io, flags), config, flags);
    });
}

async function runTrain(ctx: CommandContext, configArg: string, flags: TrainFlags): Promise<number> {
  const configPath = resolve(ctx.cwd, configArg);
  const config = validate(trainConfigSchema, await readJsonFile(configPath, 'the training config'), configPath);
  // One training per run directory at a time: released on every way out (a second Ctrl-C included).
  const lock = await lockRunDirectory(resolve(dirname(configPath), config.runDir), `cdm train ${configArg}`, ctx.io.stderr);
  try {
    // Temporary files that killed atomic writes left in the run and stage directories.
    const stale = await removeInterruptedTrainWrites(resolve(dirname(configPath), config.runDir), stageDirOf(dirname(configPath), config));
    if (stale.length > 0) ctx.say(removedMessage(stale));
    return await trainLocked(ctx, configPath, config, flags);
  } finally {
    await lock.release();
  }
}

/** Where the trained stage is exported: `stageDir`, by default the run directory's `stage`. */
const stageDirOf = (configDir: string, config: TrainConfig) => resolve(configDir, config.stageDir ?? joinPath(config.runDir, 'stage'));

async function trainLocked(ctx: CommandContext, configPath: string, config: TrainConfig, flags: TrainFlags): Promise<number> {
  const configDir = dirname(configPath);
  const steps = flags.steps === undefined ? config.training.steps : parseInteger('--steps', flags.steps, 1);
  const plugins = config.plugins ?? [];
  await registerPlugins(plugins, ctx.registries, pluginImporter(configDir, ctx.cwd), configPath);
  const { backend } = await ctx.useBackend();
  if (!backend.capabilities.training) throw errors.invalidArgument('--backend', 'a backend that can train', backend.name);
  const nativeWarning = nativeKernelWarning(tf.getBackend(), nativeKernelThreads('wasm'), loadNativeAddon());
  if (nativeWarning !== undefined) ctx.io.stderr.write(`${nativeWarning}\n`);
  const { dataset, classNames, summary } = await openDataset(config.dataset, config.stage.resolution, configDir, {
    env: ctx.env,
    progress: ctx.progress,
    ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
  });
  for (const line of formatDatasetSummary(summary)) ctx.say(line);

  const storage = fileStorage();
  const runDir = resolve(configDir, config.runDir);
  const stageDir = stageDirOf(configDir, config);
  const denoiser = createDenoiser(config.stage, ctx.registries, 'stage');
  try {
    const { stage, manifest } = buildStage(config.stage, denoiser, ctx.registries);
    const t = config.training;
    const existing = await readCheckpoint(storage, toStoragePath(runDir)).catch(() => undefined);
    const startStep = existing?.state.step ?? 0;
    ctx.say(
      `${startStep > 0 ? `Resuming ${stage.name} at step ${startStep}` : `Training ${stage.name}`} (${stage.resolution}×${stage.resolution}${stage.superResolution ? ` from ${stage.superResolution.lowResolution}×${stage.superResolution.lowResolution}` : ''}, ${[...denoiser.parameters().values()].reduce((n, v) => n + v.size, 0).toLocaleString('en-US')} parameters) on ${backend.name}, ${dataset.name}, to step ${steps}; run directory ${runDir}`,
    );
    const extras = await trainExtras({
      config,
      configDir,
      stage,
      denoiser,
      dataset,
      classNames,
      registries: ctx.registries,
      storage,
      runDir: toStoragePath(runDir),
      onSampleGridFailed: (step, error) => ctx.io.stderr.write(`Warning: no sample grid at step ${step} (training goes on): ${error instanceof Error ? error.message : String(error)}\n`),
    });
    const options: TrainStageOptions = {
      stage,
      dataset,
      steps,
      batchSize: t.batchSize,
      lr: t.lr,
      storage,
      runDir: toStoragePath(runDir),
      ...optional('gradAccumulation', t.gradAccumulation),
      ...optional('warmup', t.warmup),
      ...optional('lrSchedule', t.lrSchedule),
      ...optional('minLr', t.minLr),
      ...optional('lrDecaySteps', t.lrDecaySteps),
      ...optional('ema', t.ema),
      ...optional('emaWarmup', t.emaWarmup),
      ...optional('gradClip', t.gradClip),
      ...optional('gradientCheckpointing', t.gradientCheckpointing),
      ...optional('timestepSampler', t.timestepSampler),
      ...optional('classDropout', t.classDropout),
      ...optional('checkpointEvery', t.checkpointEvery),
      ...optional('seed', t.seed),
      ...extras,
      log: { every: t.logEvery ?? Math.max(1, Math.min(10, Math.ceil(steps / 100))) },
      ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
    };
    // trainStage's checks first (batchSize that does not fit, …): a config that cannot run is refused before anything is written.
    resolveTrainOptions(options);
    // What this run trains on, every skipped and ignored file included (the console shows the first few).
    await storage.write(toStoragePath(join(runDir, 'dataset.json')), new TextEncoder().encode(`${JSON.stringify(summary, null, 2)}\n`));
    const task = ctx.progress.start(`train ${stage.name}`, steps, { initial: startStep });
    let heldOutLoss: number | undefined;
    let result;
    try {
      result = await trainStage({
        ...options,
        onProgress: (line) => {
          heldOutLoss = line.heldOutLoss ?? heldOutLoss;
          task.update(line.step, `loss ${line.loss.toFixed(4)}${heldOutLoss === undefined ? '' : `, held-out ${heldOutLoss.toFixed(4)}`}`);
        },
      });
    } catch (error) {
      task.done();
      if (error instanceof Error && 'code' in error && error.code === 'CDM_ABORTED') {
        ctx.io.stderr.write(`Stopped. Run the same command again to resume from the last checkpoint in ${runDir}.\n`);
      }
      throw error;
    }
    task.done();

    // Export: the denoiser with its EMA weights (config.json, model.safetensors, ema.safetensors) and stage.json.
    const checkpoint = await readCheckpoint(storage, toStoragePath(runDir));
    const ema = new Map([...denoiser.parameters()].map(([name, variable]) => [name, tf.tensor(checkpoint!.ema.get(name)!, variable.shape, 'float32')] as const));
    try {
      await ctx.registries.denoisers.get(config.stage.denoiser.type).save(storage, toStoragePath(stageDir), denoiser, { ema });
    } finally {
      tf.dispose([...ema.values()]);
    }
    const lastLosses = result.log.slice(-Math.max(1, Math.ceil(result.log.length / 10)));
    const finalLoss = lastLosses.reduce((s, l) => s + l.loss, 0) / lastLosses.length;
    const stageFile = await writeStageFile(stageDir, {
      format: 'cdm-stage',
      version: 1,
      plugins: stagePlugins(plugins, configDir, stageDir, config),
      ...(classNames === undefined ? {} : { classNames: [...classNames] }),
      stage: { ...manifest, denoiser: { type: manifest.denoiser.type, path: '.', weights: 'ema' } },
      source: {
        command: 'cdm train',
        config: relative(stageDir, configPath).split(sep).join('/'),
        dataset: dataset.name,
        steps: result.step,
        batchSize: t.batchSize,
        finalLoss,
        trainingSeconds: result.trainingSeconds,
        backend: backend.name,
      },
    });
    ctx.say(`Trained ${stage.name} to step ${result.step} (this session: ${result.step - result.startStep} steps in ${formatSeconds(result.seconds)}, ${result.stepsPerSecond.toFixed(2)} steps/s); loss ${finalLoss.toFixed(4)} over the last log lines`);
    const heldOut = result.heldOut.at(-1);
    if (heldOut !== undefined) ctx.say(`Held-out loss (EMA weights) at step ${heldOut.step}: ${heldOut.loss.toFixed(4)}`);
    ctx.say(`Checkpoint: ${result.checkpoint}`);
    ctx.say(`Stage: ${stageDir} (assemble a cascade with: cdm cascade ${relative(ctx.cwd, stageDir) || '.'} … --out cascade.json)`);
    ctx.result({
      ok: true,
      stage: stage.name,
      backend: backend.name,
      step: result.step,
      startStep: result.startStep,
      stepsThisSession: result.step - result.startStep,
      seconds: result.seconds,
      stepsPerSecond: result.stepsPerSecond,
      trainingSeconds: result.trainingSeconds,
      finalLoss,
      heldOutLoss: heldOut?.loss ?? null,
      runDir,
      checkpoint: result.checkpoint,
      stageDir,
      stageFile,
      dataset: summary,
      log: result.logPath ?? null,
    });
    return 0;
  } finally {
    denoiser.dispose();
  }
}

/** The plugins the exported stage needs to load: the config's (paths rebased) plus the packages that built it. */
function stagePlugins(plugins: readonly string[], configDir: string, stageDir: string, config: TrainConfig): string[] {
  const out = plugins.map((p) => rebasePlugin(p, configDir, stageDir));
  if (config.stage.denoiser.type === 'adm-unet' && !out.includes('@cdm/unet')) out.unshift('@cdm/unet');
  if (config.stage.augmentation !== undefined && !out.includes('@cdm/augment')) out.push('@cdm/augment');
  return out;
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

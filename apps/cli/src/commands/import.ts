import { stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { errors, isTorchCheckpoint, openSafetensors, openTorchCheckpoint, type SafetensorsSource } from '@cdm/core';
import { UNET_DENOISER_NAME, createAdmUnet, loadStateDict, saveUnet, type AdmUnet } from '@cdm/unet';
import { z } from 'zod';
import { buildStage, unetConfigFor } from '../build-stage';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { fileStorage, toStoragePath } from '../file-storage';
import type { CliIo } from '../io';
import { pluginImporter } from '../plugins';
import { readJsonFile, validate } from '../read-json';
import { registerPlugins } from '../register-plugins';
import { rebasePlugin, writeStageFile } from '../stage-file';
import { stageSchema } from '../train-config';
import type { RunState } from './index';

interface ImportFlags extends CommonFlags {
  readonly config?: string;
  readonly out?: string;
  readonly ema?: string;
  readonly classNames?: string;
}

/** `cdm import`'s config: the stage (as in a train config; its denoiser must be adm-unet) and plugins. */
export const importConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  plugins: z.array(z.string().min(1)).optional(),
  classNames: z.array(z.string()).optional(),
  stage: stageSchema,
});

export function registerImport(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('import'))
    .description('import a checkpoint of the reference PyTorch U-Net (guided-diffusion names and layout; .pt/.pth or safetensors) into a stage directory')
    .argument('<model>', 'model.pt / model.pth (a torch.save state dict, read without running its pickle) or model.safetensors, with guided-diffusion state-dict keys')
    .requiredOption('--config <file>', 'the stage config: { "stage": { resolution, denoiser: { preset | config }, diffusion, … } }')
    .requiredOption('-o, --out <dir>', 'the stage directory to write')
    .option('--ema <file>', 'EMA weights of the same network (.pt/.pth or safetensors)')
    .action(async (model: string, flags: ImportFlags) => {
      state.exitCode = await runImport(createContext(io, flags), model, flags);
    });
}

/**
 * A checkpoint file, opened by its header and read tensor by tensor in ranges, never whole, so files
 * over 2 GiB (guided-diffusion's 256×256 U-Net) import too, and one that does not fit the network is
 * refused before any tensor is read: a torch.save archive (found by its ZIP or legacy magic, so the
 * extension does not matter; its ZIP directory and pickle read first, the pickle never run) or
 * safetensors (its JSON header).
 */
async function openWeights(path: string, what: string): Promise<SafetensorsSource> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) throw errors.notFound(path, `the file system (${what})`);
  const storage = fileStorage();
  const head = await storage.readRange!(toStoragePath(path), 0, 64);
  if (isTorchCheckpoint(head)) return openTorchCheckpoint(storage, toStoragePath(path), { byteLength: info.size });
  return openSafetensors(storage, toStoragePath(path));
}

async function loadWeights(net: AdmUnet, weights: SafetensorsSource, source: string): Promise<void> {
  await loadStateDict(net.architecture.parameters, net.parameters(), weights, source);
}

async function runImport(ctx: CommandContext, modelArg: string, flags: ImportFlags): Promise<number> {
  const modelPath = resolve(ctx.cwd, modelArg);
  const configPath = resolve(ctx.cwd, flags.config!);
  const outDir = resolve(ctx.cwd, flags.out!);
  const config = validate(importConfigSchema, await readJsonFile(configPath, 'the import config'), configPath);
  if (config.stage.denoiser.type !== UNET_DENOISER_NAME) {
    throw errors.invalidArgument(`${configPath}: stage.denoiser.type`, `"${UNET_DENOISER_NAME}" (import reads the reference U-Net's checkpoints)`, config.stage.denoiser.type);
  }
  const modelWeights = await openWeights(modelPath, 'the model weights');
  const emaWeights = flags.ema === undefined ? undefined : await openWeights(resolve(ctx.cwd, flags.ema), 'the EMA weights');
  await registerPlugins(config.plugins ?? [], ctx.registries, pluginImporter(dirname(configPath), ctx.cwd), configPath);
  await ctx.useBackend();

  const net = createAdmUnet(unetConfigFor(config.stage, 'stage'), { initialize: 'zeros' });
  const ema = emaWeights === undefined ? undefined : createAdmUnet(net.config, { initialize: 'zeros' });
  try {
    await loadWeights(net, modelWeights, modelPath);
    if (ema !== undefined) await loadWeights(ema, emaWeights!, resolve(ctx.cwd, flags.ema!));
    const { manifest } = buildStage(config.stage, net, ctx.registries);
    await saveUnet(fileStorage(), toStoragePath(outDir), net, ema === undefined ? {} : { ema: ema.parameters() });
    const plugins = (config.plugins ?? []).map((p) => rebasePlugin(p, dirname(configPath), outDir));
    if (!plugins.includes('@cdm/unet')) plugins.unshift('@cdm/unet');
    if (config.stage.augmentation !== undefined && !plugins.includes('@cdm/augment')) plugins.push('@cdm/augment');
    const stageFile = await writeStageFile(outDir, {
      format: 'cdm-stage',
      version: 1,
      plugins,
      ...(config.classNames === undefined ? {} : { classNames: config.classNames }),
      stage: { ...manifest, denoiser: { type: UNET_DENOISER_NAME, path: '.', weights: ema === undefined ? 'model' : 'ema' } },
      source: { command: 'cdm import', model: basename(modelPath), config: relative(outDir, configPath).split(sep).join('/') },
    });
    const parameters = [...net.parameters().values()].reduce((n, v) => n + v.size, 0);
    ctx.say(`Imported ${modelPath} (${parameters.toLocaleString('en-US')} parameters) into ${outDir}`);
    ctx.result({ ok: true, stage: manifest.name, parameters, stageDir: outDir, stageFile, weights: ema === undefined ? 'model' : 'ema' });
    return 0;
  } finally {
    net.dispose();
    ema?.dispose();
  }
}

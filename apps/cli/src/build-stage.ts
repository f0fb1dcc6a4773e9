import { CdmError, GaussianDiffusion, createNoiseSchedule, errors, isCdmError, type Denoiser, type Registries } from '@cdm/core';
import { createStage, type DiffusionManifest, type Stage, type StageManifest } from '@cdm/cascade';
import { UNET_PRESETS, UNET_DENOISER_NAME, type UnetConfig } from '@cdm/unet';
import type { StageConfig } from './train-config';

/** A stage built from a config, and its cascade.json entry (without the checkpoint path). */
export interface BuiltStage {
  readonly stage: Stage;
  readonly manifest: Omit<StageManifest, 'denoiser'> & { readonly denoiser: { readonly type: string } };
}

/** Runs `build`, prefixing a coded error's message with the config field it concerns. */
export function atField<T>(field: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (isCdmError(error)) throw new CdmError(error.code, `${field}: ${error.message.replace(/ \[CDM_[A-Z_]+\]$/, '')}`, undefined, { cause: error });
    throw error;
  }
}

/**
 * The U-Net config a stage asks for: the preset, overridden by `config`, with what the stage
 * already says filled in where the config is silent (imageSize = resolution, the classes and the
 * null-class row, super-resolution conditioning, the augmentation-level embedding).
 */
export function unetConfigFor(stage: StageConfig, field: string): UnetConfig {
  const preset = stage.denoiser.preset === undefined ? {} : UNET_PRESETS[stage.denoiser.preset as keyof typeof UNET_PRESETS];
  const config: Record<string, unknown> = { ...preset, ...stage.denoiser.config };
  config.imageSize ??= stage.resolution;
  if (config.imageSize !== stage.resolution) {
    throw errors.invalidArgument(`${field}.denoiser.config.imageSize`, `${stage.resolution} (the stage's resolution)`, config.imageSize);
  }
  if (stage.numClasses !== undefined) config.numClasses ??= stage.numClasses;
  if (config.numClasses != null && config.numClasses !== stage.numClasses) {
    throw errors.invalidArgument(`${field}.numClasses`, `${String(config.numClasses)} (the network's numClasses), or a network config with ${stage.numClasses ?? 'no classes'}`, stage.numClasses);
  }
  if (stage.nullClass !== undefined) config.classifierFreeGuidance ??= true;
  if (stage.lowResolution !== undefined) {
    config.superRes ??= { upsample: stage.upsample ?? 'bilinear' };
    if (stage.augmentation !== undefined) config.augLevelEmbedding ??= true;
  }
  if (stage.channels !== undefined) config.inChannels ??= stage.channels;
  return config as unknown as UnetConfig;
}

/** Creates the denoiser a stage config describes, through the registered factory of its type. */
export function createDenoiser(stage: StageConfig, registries: Registries, field: string): Denoiser {
  const factory = atField(`${field}.denoiser.type`, () => registries.denoisers.get(stage.denoiser.type));
  const config = stage.denoiser.type === UNET_DENOISER_NAME ? unetConfigFor(stage, field) : (stage.denoiser.config ?? {});
  return atField(`${field}.denoiser`, () => factory.create(config));
}

/** The diffusion fields with what the denoiser implies filled in (its output parameterisation, learned variance, and so the loss). */
export function diffusionFor(stage: StageConfig, denoiser: Denoiser): DiffusionManifest {
  const d = stage.diffusion;
  const modelVariance = d.modelVariance ?? (denoiser.learnSigma ? 'learnedRange' : 'fixedSmall');
  return {
    schedule: d.schedule,
    timesteps: d.timesteps,
    modelOutput: d.modelOutput ?? denoiser.output,
    modelVariance,
    // A learned variance is trained only by the hybrid loss (improved DDPM), so it is the default there.
    loss: d.loss ?? (modelVariance === 'learnedRange' ? 'hybrid' : 'mse'),
    ...(d.vlbWeight === undefined ? {} : { vlbWeight: d.vlbWeight }),
  };
}

/** Builds the stage (denoiser, diffusion, augmentation policy) that a validated stage config describes. */
export function buildStage(config: StageConfig, denoiser: Denoiser, registries: Registries, field = 'stage'): BuiltStage {
  const diffusionManifest = diffusionFor(config, denoiser);
  const schedule = atField(`${field}.diffusion.schedule`, () => createNoiseSchedule(diffusionManifest.schedule, diffusionManifest.timesteps, registries.schedules));
  const { modelOutput, modelVariance, loss, vlbWeight } = diffusionManifest;
  const diffusion = atField(
    `${field}.diffusion`,
    () =>
      new GaussianDiffusion({
        schedule,
        ...(modelOutput === undefined ? {} : { modelOutput }),
        ...(modelVariance === undefined ? {} : { modelVariance }),
        ...(loss === undefined ? {} : { loss }),
        ...(vlbWeight === undefined ? {} : { vlbWeight }),
      }),
  );
  const augmentation =
    config.augmentation === undefined
      ? undefined
      : atField(`${field}.augmentation`, () => registries.augmentationPolicies.get(config.augmentation!.name).create(config.augmentation!.options ?? {}));
  const name = config.name ?? (config.lowResolution === undefined ? `base${config.resolution}` : `sr${config.resolution}`);
  const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));
  const stage = atField(field, () =>
    createStage(
      {
        name,
        resolution: config.resolution,
        denoiser,
        diffusion,
        ...optional('channels', config.channels),
        ...optional('numClasses', config.numClasses),
        ...optional('nullClass', config.nullClass),
        ...optional('lowResolution', config.lowResolution),
        ...optional('upsample', config.upsample),
        ...optional('augmentation', augmentation),
        ...optional('defaults', config.defaults),
      },
      registries.samplers,
    ),
  );
  const manifest: BuiltStage['manifest'] = {
    name,
    resolution: config.resolution,
    ...optional('channels', config.channels),
    denoiser: { type: config.denoiser.type },
    diffusion: diffusionManifest,
    ...optional('numClasses', config.numClasses),
    ...optional('nullClass', config.nullClass),
    ...optional('lowResolution', config.lowResolution),
    ...(config.lowResolution === undefined ? {} : { upsample: stage.superResolution!.upsample }),
    ...(config.augmentation === undefined ? {} : { augmentation: { name: config.augmentation.name, ...optional('options', config.augmentation.options) } }),
    ...optional('defaults', config.defaults),
  };
  return { stage, manifest };
}

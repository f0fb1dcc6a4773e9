import { LOSS_TYPES, MAX_SEED, MODEL_OUTPUT_TYPES, MODEL_VARIANCE_TYPES } from '@cdm/core';
import { LEARNING_RATE_SCHEDULES, TIMESTEP_SAMPLER_NAMES } from '@cdm/cascade';
import { UNET_PRESETS } from '@cdm/unet';
import { z } from 'zod';

const tuple = <T extends string>(values: readonly T[]) => values as unknown as readonly [T, ...T[]];
const positiveInt = () => z.number().int().positive();
const nonNegativeInt = () => z.number().int().nonnegative();
/** Seeds are the integers 0 … 2^53 − 1, each its own stream; others are refused rather than folded onto one. */
const seed = () => z.number().int().min(0, 'must be an integer seed in 0…2^53 − 1').max(MAX_SEED, 'must be an integer seed in 0…2^53 − 1');

/** The diffusion process a stage is trained with (as in cascade.json). */
export const diffusionSchema = z.strictObject({
  schedule: z.string().min(1).default('cosine'),
  timesteps: positiveInt().default(1000),
  modelOutput: z.enum(tuple(MODEL_OUTPUT_TYPES)).optional(),
  modelVariance: z.enum(tuple(MODEL_VARIANCE_TYPES)).optional(),
  loss: z.enum(tuple(LOSS_TYPES)).optional(),
  vlbWeight: z.number().positive().optional(),
});

const presetNames = Object.keys(UNET_PRESETS);

/**
 * The network: a registered denoiser type with its config. For `adm-unet`, `preset` names one of
 * @cdm/unet's UNET_PRESETS and `config` overrides its fields.
 */
export const denoiserSchema = z
  .strictObject({
    type: z.string().min(1).default('adm-unet'),
    preset: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.preset === undefined) return;
    if (value.type !== 'adm-unet') ctx.addIssue({ code: 'custom', path: ['preset'], message: `presets are @cdm/unet's; denoiser type "${value.type}" takes a config only` });
    else if (!presetNames.includes(value.preset)) ctx.addIssue({ code: 'custom', path: ['preset'], message: `unknown preset "${value.preset}"; one of ${presetNames.join(', ')}` });
  })
  .refine((value) => value.preset !== undefined || value.config !== undefined, { message: 'give a preset, a config, or both (the config overrides the preset)' });

/** Per-stage sampling defaults recorded in cascade.json. */
export const sampleDefaultsSchema = z.strictObject({
  sampler: z.string().min(1).optional(),
  steps: z.union([positiveInt(), z.string().min(1), z.array(nonNegativeInt())]).optional(),
  eta: z.number().min(0).optional(),
  guidanceScale: z.number().optional(),
  augLevel: nonNegativeInt().optional(),
  truncate: z.boolean().optional(),
});

/** One stage of a cascade: what `cdm train` builds and `stage.json` records. */
export const stageSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    resolution: positiveInt(),
    channels: positiveInt().optional(),
    numClasses: positiveInt().optional(),
    nullClass: nonNegativeInt().optional(),
    lowResolution: positiveInt().optional(),
    upsample: z.enum(['bilinear', 'bicubic']).optional(),
    augmentation: z.strictObject({ name: z.string().min(1), options: z.unknown().optional() }).optional(),
    denoiser: denoiserSchema,
    diffusion: diffusionSchema.default({ schedule: 'cosine', timesteps: 1000 }),
    defaults: sampleDefaultsSchema.optional(),
  })
  .superRefine((stage, ctx) => {
    if (stage.nullClass !== undefined && stage.nullClass !== stage.numClasses) {
      ctx.addIssue({ code: 'custom', path: ['nullClass'], message: `must equal numClasses (${stage.numClasses ?? 'unset'}): the extra label that means "no class"` });
    }
    if (stage.lowResolution === undefined) {
      if (stage.upsample !== undefined) ctx.addIssue({ code: 'custom', path: ['upsample'], message: 'only for super-resolution stages (set lowResolution)' });
      if (stage.augmentation !== undefined) ctx.addIssue({ code: 'custom', path: ['augmentation'], message: 'only for super-resolution stages (set lowResolution)' });
    } else if (stage.lowResolution >= stage.resolution || stage.resolution % stage.lowResolution !== 0) {
      ctx.addIssue({ code: 'custom', path: ['lowResolution'], message: `must divide the resolution ${stage.resolution} and be smaller than it` });
    }
  });

const proceduralSchema = z.strictObject({
  type: z.literal('procedural'),
  size: positiveInt().optional(),
  worldSeed: seed().optional(),
  supersample: positiveInt().optional(),
});
const imageFolderSchema = z.strictObject({
  type: z.literal('image-folder'),
  path: z.string().min(1),
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  randomFlip: z.boolean().optional(),
  /** Decode the folder once into a prepared dataset (default) instead of at every step. */
  cache: z.boolean().optional(),
  /** Files that cannot be decoded: leave out and list ('skip', default) or refuse before training ('fail'). */
  onUnreadable: z.enum(['skip', 'fail']).optional(),
  /** 'auto' (default): sharp when installed, else the JavaScript decoders. */
  decoder: z.enum(['auto', 'sharp', 'js']).optional(),
});
const preparedSchema = z.strictObject({
  type: z.literal('prepared'),
  /** A prepared dataset's directory (the one holding manifest.json), e.g. from `cdm data prepare`. */
  path: z.string().min(1),
  randomFlip: z.boolean().optional(),
});
const cifar10Schema = z.strictObject({
  type: z.literal('cifar10'),
  path: z.string().min(1),
  split: z.enum(['train', 'test']).optional(),
  randomFlip: z.boolean().optional(),
});

/** Where the training images come from. Paths are relative to the config file. */
export const datasetSchema = z.discriminatedUnion('type', [proceduralSchema, imageFolderSchema, preparedSchema, cifar10Schema]);

/** trainStage's options, as JSON. */
export const trainingSchema = z.strictObject({
  steps: positiveInt(),
  batchSize: positiveInt(),
  gradAccumulation: positiveInt().optional(),
  lr: z.number().positive(),
  warmup: nonNegativeInt().optional(),
  /** After warmup: constant (default) or cosine decay from lr to minLr at update lrDecaySteps (default: steps). */
  lrSchedule: z.enum(tuple(LEARNING_RATE_SCHEDULES)).optional(),
  minLr: z.number().nonnegative().optional(),
  lrDecaySteps: positiveInt().optional(),
  ema: z.number().min(0).max(1).optional(),
  emaWarmup: z.boolean().optional(),
  gradClip: z.number().positive().optional(),
  /** Recompute each block's activations in the backward pass instead of keeping them (ADM U-Net): the same gradients, much less memory, about one more forward pass per step. Default false. */
  gradientCheckpointing: z.boolean().optional(),
  timestepSampler: z.enum(tuple(TIMESTEP_SAMPLER_NAMES)).optional(),
  classDropout: z.number().min(0).max(1).optional(),
  checkpointEvery: positiveInt().optional(),
  /** Save a checkpoint after this many minutes since the last one (default 10); false: only by step, at the end and on Ctrl-C. */
  checkpointMinutes: z.union([z.number().positive(), z.literal(false)]).optional(),
  /** Keep the newest this many checkpoints (default 3); false keeps all. */
  keepLast: z.union([positiveInt(), z.literal(false)]).optional(),
  seed: seed().optional(),
  logEvery: positiveInt().optional(),
  /** A held-out loss on fixed examples: from an image folder (`path`, relative to the config) or the training data under its own seed. */
  heldOut: z
    .strictObject({
      path: z.string().min(1).optional(),
      examples: positiveInt(),
      every: positiveInt(),
      seed: seed().optional(),
    })
    .optional(),
  /** Write a sample grid of the EMA weights to <runDir>/samples/step-NNNNNNN.png every this many steps (and at the end). */
  sampleEvery: positiveInt().optional(),
  /** Fine-tuning: a fresh run starts from these weights (a stage directory or a .safetensors file, relative to the config). */
  init: z.string().min(1).optional(),
});

/** A `cdm train` config file. */
export const trainConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    plugins: z.array(z.string().min(1)).optional(),
    runDir: z.string().min(1),
    stageDir: z.string().min(1).optional(),
    stage: stageSchema,
    dataset: datasetSchema,
    training: trainingSchema,
  })
  .superRefine((config, ctx) => {
    const { gradAccumulation = 1, batchSize } = config.training;
    if (batchSize % gradAccumulation !== 0) {
      ctx.addIssue({ code: 'custom', path: ['training', 'gradAccumulation'], message: `must divide batchSize (${batchSize})` });
    }
    const { lrSchedule = 'constant', minLr, lrDecaySteps, lr } = config.training;
    if (lrSchedule !== 'cosine') {
      if (minLr !== undefined) ctx.addIssue({ code: 'custom', path: ['training', 'minLr'], message: 'applies to lrSchedule "cosine" only' });
      if (lrDecaySteps !== undefined) ctx.addIssue({ code: 'custom', path: ['training', 'lrDecaySteps'], message: 'applies to lrSchedule "cosine" only' });
    } else if (minLr !== undefined && minLr > lr) {
      ctx.addIssue({ code: 'custom', path: ['training', 'minLr'], message: `must not exceed lr (${lr})` });
    }
    if ((config.training.classDropout ?? 0) > 0 && config.stage.nullClass === undefined) {
      ctx.addIssue({ code: 'custom', path: ['training', 'classDropout'], message: 'needs stage.nullClass (classifier-free guidance trains a "no class" label)' });
    }
  });

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type StageConfig = z.output<typeof stageSchema>;
export type DatasetConfig = z.output<typeof datasetSchema>;

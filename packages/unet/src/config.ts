import { errors, type ModelOutputType, type ResizeMethod } from '@cdm/core';
import { attentionResolutionsField, bool, channelMultField, checkKnownKeys, dropoutField, isRecord, oneOf, optionalPositiveInt, positiveInt } from './config-fields';

/** How the low-resolution image is upsampled to the stage resolution (core's `resizeImages`). */
export type LowResUpsample = ResizeMethod;

/** Super-resolution conditioning (guided-diffusion's `SuperResModel`, plus the CDM choices). */
export interface SuperResConfig {
  /** Channels of the low-resolution image (default: `inChannels`). */
  readonly lowResChannels?: number;
  /** Resize method when the low-res image is smaller than the stage (default 'bilinear', as the reference). */
  readonly upsample?: LowResUpsample;
}

/**
 * The ADM U-Net's knobs, named after guided-diffusion's `UNetModel` arguments in camelCase. Omitted
 * fields take `UNetModel`'s defaults, so a config that mirrors a reference checkpoint's flags builds
 * exactly that network.
 */
export interface UnetConfig {
  /** Side of the (square) images x_t. */
  readonly imageSize: number;
  /** Image channels C of x_t (default 3). */
  readonly inChannels?: number;
  /** Base width `model_channels`; the embedding MLP is 4× this. */
  readonly modelChannels: number;
  /** Predicted channels before the learned-variance doubling; must equal `inChannels` (default). */
  readonly outChannels?: number;
  readonly numResBlocks: number;
  /**
   * Resolutions (side lengths, e.g. [16, 8]) whose levels get self-attention; converted to
   * downsample rates `imageSize / r` as guided-diffusion's `create_model` does. Default [].
   */
  readonly attentionResolutions?: readonly number[];
  /** Dropout before each residual block's last conv, in training mode only (default 0). */
  readonly dropout?: number;
  /**
   * Width multiplier per level. Default: guided-diffusion's choice for the image size
   * (64: 1,2,3,4; 128: 1,1,2,3,4; 256: 1,1,2,2,4,4; 512: 0.5,1,1,2,2,4,4) or improved-diffusion's
   * 1,2,2,2 at 32; other sizes must set it.
   */
  readonly channelMult?: readonly number[];
  /** Learned 3×3 convs for plain up/down-sampling (else nearest / average pooling). Default true. */
  readonly convResample?: boolean;
  /** Class-conditional with this many classes (`label_emb`); null or omitted: unconditional. */
  readonly numClasses?: number | null;
  /** Adds one "null class" row (index `numClasses`) for classifier-free guidance. Default false. */
  readonly classifierFreeGuidance?: boolean;
  /** AdaGN: GroupNorm(h)·(1 + scale) + shift from the embedding, instead of adding it. Default false. */
  readonly useScaleShiftNorm?: boolean;
  /** BigGAN-style residual blocks for up/down-sampling. Default false. */
  readonly resblockUpdown?: boolean;
  /** Attention heads (default 1); ignored when `numHeadChannels` is set. */
  readonly numHeads?: number;
  /** Fixed channels per head (64 in ADM) instead of a fixed head count; null or omitted: unset. */
  readonly numHeadChannels?: number | null;
  /** Heads in the decoder's attention blocks (deprecated in the reference); default `numHeads`. */
  readonly numHeadsUpsample?: number | null;
  /** Split q, k, v before heads (`QKVAttention`) rather than after (`QKVAttentionLegacy`). Default false. */
  readonly useNewAttentionOrder?: boolean;
  /** Output 2·C channels: the prediction, then the variance interpolation v. Default false. */
  readonly learnSigma?: boolean;
  /** What the first C output channels predict. Default 'eps'. */
  readonly output?: ModelOutputType;
  /** Condition on an upsampled low-resolution image concatenated to x_t. Default null. */
  readonly superRes?: SuperResConfig | null;
  /** Embed the conditioning-augmentation level s like a second timestep (CDM). Default false. */
  readonly augLevelEmbedding?: boolean;
  /** GroupNorm groups (32 in the reference, `GroupNorm32`); smaller only for toy networks. */
  readonly normGroups?: number;
  /** Seed of the deterministic initialisation (and of the dropout masks). Default 0. */
  readonly seed?: number;
}

/** A validated config with every field explicit; this is what `config.json` holds. */
export interface ResolvedUnetConfig {
  readonly imageSize: number;
  readonly inChannels: number;
  readonly modelChannels: number;
  readonly outChannels: number;
  readonly numResBlocks: number;
  readonly attentionResolutions: readonly number[];
  readonly dropout: number;
  readonly channelMult: readonly number[];
  readonly convResample: boolean;
  readonly numClasses: number | null;
  readonly classifierFreeGuidance: boolean;
  readonly useScaleShiftNorm: boolean;
  readonly resblockUpdown: boolean;
  readonly numHeads: number;
  readonly numHeadChannels: number | null;
  readonly numHeadsUpsample: number | null;
  readonly useNewAttentionOrder: boolean;
  readonly learnSigma: boolean;
  readonly output: ModelOutputType;
  readonly superRes: { readonly lowResChannels: number; readonly upsample: LowResUpsample } | null;
  readonly augLevelEmbedding: boolean;
  readonly normGroups: number;
  readonly seed: number;
}

const KEYS: readonly (keyof UnetConfig)[] = [
  'imageSize',
  'inChannels',
  'modelChannels',
  'outChannels',
  'numResBlocks',
  'attentionResolutions',
  'dropout',
  'channelMult',
  'convResample',
  'numClasses',
  'classifierFreeGuidance',
  'useScaleShiftNorm',
  'resblockUpdown',
  'numHeads',
  'numHeadChannels',
  'numHeadsUpsample',
  'useNewAttentionOrder',
  'learnSigma',
  'output',
  'superRes',
  'augLevelEmbedding',
  'normGroups',
  'seed',
];

/**
 * Validates a config (e.g. parsed from JSON) and fills in the defaults. Every error is a
 * CDM_INVALID_ARGUMENT naming the offending field (`config.attentionResolutions[1]`).
 */
export function resolveUnetConfig(raw: unknown): ResolvedUnetConfig {
  if (!isRecord(raw)) throw errors.invalidArgument('config', 'an object of U-Net settings', raw);
  checkKnownKeys(raw, KEYS);
  const c = raw as unknown as UnetConfig;
  const imageSize = positiveInt('imageSize', c.imageSize);
  const inChannels = c.inChannels === undefined ? 3 : positiveInt('inChannels', c.inChannels);
  const modelChannels = positiveInt('modelChannels', c.modelChannels);
  const outChannels = c.outChannels === undefined ? inChannels : positiveInt('outChannels', c.outChannels);
  if (outChannels !== inChannels) {
    throw errors.invalidArgument(
      'config.outChannels',
      `inChannels (${inChannels}): a Denoiser predicts x_t's channels (learnSigma doubles them)`,
      outChannels,
    );
  }
  const numResBlocks = positiveInt('numResBlocks', c.numResBlocks);
  const dropout = dropoutField(c.dropout);
  const { channelMult, resolutions } = channelMultField(c.channelMult, imageSize);
  const attentionResolutions = attentionResolutionsField(c.attentionResolutions, resolutions);
  const numClasses = optionalPositiveInt('numClasses', c.numClasses);
  const classifierFreeGuidance = bool('classifierFreeGuidance', c.classifierFreeGuidance, false);
  if (classifierFreeGuidance && numClasses === null) {
    throw errors.invalidArgument('config.classifierFreeGuidance', 'false for an unconditional network (set numClasses)', true);
  }
  const numHeads = c.numHeads === undefined ? 1 : positiveInt('numHeads', c.numHeads);
  const numHeadChannels = optionalPositiveInt('numHeadChannels', c.numHeadChannels);
  const numHeadsUpsample = optionalPositiveInt('numHeadsUpsample', c.numHeadsUpsample);
  const normGroups = c.normGroups === undefined ? 32 : positiveInt('normGroups', c.normGroups);

  let superRes: ResolvedUnetConfig['superRes'] = null;
  if (c.superRes !== undefined && c.superRes !== null) {
    if (!isRecord(c.superRes)) throw errors.invalidArgument('config.superRes', 'an object { lowResChannels?, upsample? } or null', c.superRes);
    for (const key of Object.keys(c.superRes)) {
      if (key !== 'lowResChannels' && key !== 'upsample') {
        throw errors.invalidArgument(`config.superRes.${key}`, 'no such setting (known: lowResChannels, upsample)', c.superRes[key as never]);
      }
    }
    const lowResChannels =
      c.superRes.lowResChannels === undefined ? inChannels : positiveInt('superRes.lowResChannels', c.superRes.lowResChannels);
    const upsample = oneOf('superRes.upsample', c.superRes.upsample, ['bilinear', 'bicubic'] as const, 'bilinear');
    superRes = { lowResChannels, upsample };
  }

  const seed = c.seed === undefined ? 0 : c.seed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw errors.invalidArgument('config.seed', 'a finite number', seed);

  const resolved: ResolvedUnetConfig = {
    imageSize,
    inChannels,
    modelChannels,
    outChannels,
    numResBlocks,
    attentionResolutions,
    dropout,
    channelMult,
    convResample: bool('convResample', c.convResample, true),
    numClasses,
    classifierFreeGuidance,
    useScaleShiftNorm: bool('useScaleShiftNorm', c.useScaleShiftNorm, false),
    resblockUpdown: bool('resblockUpdown', c.resblockUpdown, false),
    numHeads,
    numHeadChannels,
    numHeadsUpsample,
    useNewAttentionOrder: bool('useNewAttentionOrder', c.useNewAttentionOrder, false),
    learnSigma: bool('learnSigma', c.learnSigma, false),
    output: oneOf('output', c.output, ['eps', 'x0', 'v'] as const, 'eps'),
    superRes,
    augLevelEmbedding: bool('augLevelEmbedding', c.augLevelEmbedding, false),
    normGroups,
    seed,
  };
  checkWidths(resolved);
  return resolved;
}

/** Every GroupNorm width must split into `normGroups`, and every attention width into its heads. */
function checkWidths(c: ResolvedUnetConfig): void {
  const widths = c.channelMult.map((m) => Math.trunc(m * c.modelChannels));
  widths.forEach((w, level) => {
    if (w <= 0 || w % c.normGroups !== 0) {
      throw errors.invalidArgument(
        'config.modelChannels',
        `a width whose level ${level} (× channelMult[${level}] = ${c.channelMult[level]}) gives a multiple of normGroups ${c.normGroups}`,
        c.modelChannels,
      );
    }
  });
  const attention = c.attentionResolutions.map((r) => widths[Math.log2(c.imageSize / r)]!);
  const middle = widths[widths.length - 1]!;
  const checks: [string, number | null, number[]][] =
    c.numHeadChannels !== null
      ? [['numHeadChannels', c.numHeadChannels, [...attention, middle]]]
      : [
          ['numHeads', c.numHeads, [...attention, middle]],
          ['numHeadsUpsample', c.numHeadsUpsample ?? c.numHeads, attention],
        ];
  for (const [field, divisor, attentionWidths] of checks) {
    for (const w of attentionWidths) {
      if (divisor !== null && w % divisor !== 0) {
        throw errors.invalidArgument(`config.${field}`, `a divisor of every attention width it applies to (${w})`, divisor);
      }
    }
  }
}

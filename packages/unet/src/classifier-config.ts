import { errors } from '@cdm/core';
import { attentionResolutionsField, bool, channelMultField, checkKnownKeys, dropoutField, isRecord, oneOf, optionalPositiveInt, positiveInt } from './config-fields';

/**
 * How the classifier turns the middle block's features into logits (guided-diffusion's `pool`):
 * - `'attention'`: GroupNorm → SiLU → `AttentionPool2d` (CLIP's attention pooling: a query made
 *   from the spatial mean attends over every position plus itself, with a learned positional
 *   embedding). ADM's classifiers use it; it needs `numHeadChannels` and a fixed `imageSize`.
 * - `'adaptive'`: GroupNorm → SiLU → global average pool → a zero-initialised 1×1 conv.
 */
export type ClassifierPool = 'attention' | 'adaptive';
export const CLASSIFIER_POOLS: readonly ClassifierPool[] = ['attention', 'adaptive'];

/**
 * The noisy-image classifier's knobs: guided-diffusion's `EncoderUNetModel` arguments in camelCase
 * (the encoder half of the ADM U-Net with a pooling head). Omitted fields take its defaults,
 * except `pool`, which defaults to ADM's `'attention'`.
 */
export interface ClassifierConfig {
  /** Side of the (square) images x_t; the attention pool's positional embedding is sized for it. */
  readonly imageSize: number;
  /** Image channels (default 3). */
  readonly inChannels?: number;
  /** Base width (`classifier_width`, 128 in ADM); the timestep MLP is 4× this. */
  readonly modelChannels: number;
  /** Number of classes: the logits' width (`out_channels`). */
  readonly outChannels: number;
  /** Residual blocks per level (`classifier_depth`). */
  readonly numResBlocks: number;
  /** Side lengths whose levels get self-attention (e.g. [32, 16, 8]). Default []. */
  readonly attentionResolutions?: readonly number[];
  /** Dropout in the residual blocks, in training mode only. Default 0. */
  readonly dropout?: number;
  /** Width multiplier per level; default by image size as `create_classifier` (64: 1,2,3,4, …). */
  readonly channelMult?: readonly number[];
  /** Strided 3×3 convs for plain downsampling (else average pooling). Default true. */
  readonly convResample?: boolean;
  /** AdaGN in the residual blocks. Default false. */
  readonly useScaleShiftNorm?: boolean;
  /** BigGAN-style residual down blocks. Default false. */
  readonly resblockUpdown?: boolean;
  /** Attention heads of the self-attention blocks (default 1); ignored when `numHeadChannels` is set. */
  readonly numHeads?: number;
  /** Channels per head (64 in ADM); required by the attention pool, whose heads are width / this. */
  readonly numHeadChannels?: number | null;
  /** `QKVAttention` rather than `QKVAttentionLegacy` in the self-attention blocks. Default false. */
  readonly useNewAttentionOrder?: boolean;
  /** Default 'attention'. */
  readonly pool?: ClassifierPool;
  /** GroupNorm groups (32 in the reference); smaller only for toy networks. */
  readonly normGroups?: number;
  /** Seeds the initialisation and the dropout masks. Default 0. */
  readonly seed?: number;
}

/** A validated classifier config with every field explicit; this is what its `config.json` holds. */
export interface ResolvedClassifierConfig {
  readonly imageSize: number;
  readonly inChannels: number;
  readonly modelChannels: number;
  readonly outChannels: number;
  readonly numResBlocks: number;
  readonly attentionResolutions: readonly number[];
  readonly dropout: number;
  readonly channelMult: readonly number[];
  readonly convResample: boolean;
  readonly useScaleShiftNorm: boolean;
  readonly resblockUpdown: boolean;
  readonly numHeads: number;
  readonly numHeadChannels: number | null;
  readonly useNewAttentionOrder: boolean;
  readonly pool: ClassifierPool;
  readonly normGroups: number;
  readonly seed: number;
}

const KEYS: readonly (keyof ClassifierConfig)[] = [
  'imageSize',
  'inChannels',
  'modelChannels',
  'outChannels',
  'numResBlocks',
  'attentionResolutions',
  'dropout',
  'channelMult',
  'convResample',
  'useScaleShiftNorm',
  'resblockUpdown',
  'numHeads',
  'numHeadChannels',
  'useNewAttentionOrder',
  'pool',
  'normGroups',
  'seed',
];

/**
 * Validates a classifier config (e.g. parsed from JSON) and fills in the defaults. Every error is a
 * CDM_INVALID_ARGUMENT naming the offending field (`config.numHeadChannels`).
 */
export function resolveClassifierConfig(raw: unknown): ResolvedClassifierConfig {
  if (!isRecord(raw)) throw errors.invalidArgument('config', 'an object of classifier settings', raw);
  checkKnownKeys(raw, KEYS);
  const c = raw as unknown as ClassifierConfig;
  const imageSize = positiveInt('imageSize', c.imageSize);
  const dropout = dropoutField(c.dropout);
  const { channelMult, resolutions } = channelMultField(c.channelMult, imageSize);
  const attentionResolutions = attentionResolutionsField(c.attentionResolutions, resolutions);
  const pool = oneOf('pool', c.pool, CLASSIFIER_POOLS, 'attention');
  const numHeadChannels = optionalPositiveInt('numHeadChannels', c.numHeadChannels);
  if (pool === 'attention' && numHeadChannels === null) {
    throw errors.invalidArgument('config.numHeadChannels', "channels per head for pool 'attention' (64 in ADM)", c.numHeadChannels);
  }
  const seed = c.seed === undefined ? 0 : c.seed;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw errors.invalidArgument('config.seed', 'a finite number', seed);
  const resolved: ResolvedClassifierConfig = {
    imageSize,
    inChannels: c.inChannels === undefined ? 3 : positiveInt('inChannels', c.inChannels),
    modelChannels: positiveInt('modelChannels', c.modelChannels),
    outChannels: positiveInt('outChannels', c.outChannels),
    numResBlocks: positiveInt('numResBlocks', c.numResBlocks),
    attentionResolutions,
    dropout,
    channelMult,
    convResample: bool('convResample', c.convResample, true),
    useScaleShiftNorm: bool('useScaleShiftNorm', c.useScaleShiftNorm, false),
    resblockUpdown: bool('resblockUpdown', c.resblockUpdown, false),
    numHeads: c.numHeads === undefined ? 1 : positiveInt('numHeads', c.numHeads),
    numHeadChannels,
    useNewAttentionOrder: bool('useNewAttentionOrder', c.useNewAttentionOrder, false),
    pool,
    normGroups: c.normGroups === undefined ? 32 : positiveInt('normGroups', c.normGroups),
    seed,
  };
  checkWidths(resolved);
  return resolved;
}

/** Every GroupNorm width must split into `normGroups`; every attention width (the pool's included) into its heads. */
function checkWidths(c: ResolvedClassifierConfig): void {
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
  const middle = widths[widths.length - 1]!;
  const attention = [...c.attentionResolutions.map((r) => widths[Math.log2(c.imageSize / r)]!), middle];
  const [field, divisor] = c.numHeadChannels !== null ? ['numHeadChannels', c.numHeadChannels] : ['numHeads', c.numHeads];
  for (const w of attention) {
    if (w % divisor !== 0) throw errors.invalidArgument(`config.${field}`, `a divisor of every attention width it applies to (${w})`, divisor);
  }
}

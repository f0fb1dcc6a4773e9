import type { UnetConfig } from '../src/config';
import type { ClassifierConfig } from '../src/classifier-config';

/**
 * The small networks whose outputs scripts/torch_reference.py computes in PyTorch; together they
 * cover scale-shift norm on and off, BigGAN up/down blocks and plain (conv and non-conv)
 * resampling, both QKV orders, fixed heads and fixed head channels, learned sigma, class labels
 * with and without the null class, and super-resolution (bilinear and bicubic) with and without
 * the augmentation-level embedding. `normGroups` 4 keeps them a few tens of KB each.
 */
export const FIXTURE_CONFIGS: Readonly<Record<string, UnetConfig>> = {
  'sr-adagn-updown-legacy': {
    imageSize: 8,
    modelChannels: 8,
    normGroups: 4,
    channelMult: [1, 2],
    numResBlocks: 1,
    attentionResolutions: [4],
    numHeads: 2,
    useScaleShiftNorm: true,
    resblockUpdown: true,
    learnSigma: true,
    numClasses: 3,
    superRes: { upsample: 'bilinear' },
    augLevelEmbedding: true,
    seed: 11,
  },
  'sr-bicubic-new-order': {
    imageSize: 8,
    modelChannels: 8,
    normGroups: 4,
    channelMult: [1, 2],
    numResBlocks: 1,
    attentionResolutions: [8, 4],
    numHeadChannels: 4,
    useNewAttentionOrder: true,
    numClasses: 4,
    classifierFreeGuidance: true,
    superRes: { upsample: 'bicubic', lowResChannels: 2 },
    inChannels: 2,
    seed: 12,
  },
  'base-avgpool-nearest': {
    imageSize: 8,
    modelChannels: 8,
    normGroups: 4,
    channelMult: [1, 1, 2],
    numResBlocks: 2,
    attentionResolutions: [2],
    numHeads: 4,
    numHeadsUpsample: 2,
    convResample: false,
    learnSigma: true,
    seed: 13,
  },
};

/** Batch size and low-resolution side of each fixture's input. */
export const FIXTURE_BATCH = 2;
export const FIXTURE_LOW_RES = 4;

/**
 * The classifiers (`EncoderUNetModel`) whose logits torch_reference.py computes: the attention pool
 * after BigGAN down blocks with AdaGN and legacy-order attention, and the adaptive pool after plain
 * strided-conv downsampling with new-order, fixed-head attention.
 */
export const CLASSIFIER_FIXTURE_CONFIGS: Readonly<Record<string, ClassifierConfig>> = {
  'classifier-attention-pool': {
    imageSize: 8,
    modelChannels: 8,
    normGroups: 4,
    outChannels: 5,
    channelMult: [1, 2],
    numResBlocks: 1,
    attentionResolutions: [4],
    numHeadChannels: 4,
    useScaleShiftNorm: true,
    resblockUpdown: true,
    pool: 'attention',
    seed: 21,
  },
  'classifier-adaptive-pool': {
    imageSize: 8,
    modelChannels: 8,
    normGroups: 4,
    outChannels: 3,
    channelMult: [1, 1, 2],
    numResBlocks: 1,
    attentionResolutions: [8],
    numHeads: 2,
    useNewAttentionOrder: true,
    pool: 'adaptive',
    seed: 22,
  },
};

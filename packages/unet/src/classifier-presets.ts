import type { ClassifierConfig } from './classifier-config';

/**
 * Ready-made classifier configs. `adm-imagenet-64-classifier` is the network of guided-diffusion's
 * published `64x64_classifier.pt` (`create_classifier` with the README's flags: width 128, depth 4,
 * attention at 32, 16, 8, 64 channels per head, scale-shift norm, BigGAN down blocks, attention
 * pool). The tiny ones are for the 10-class procedural data and train on a 2-core CPU.
 */
export const CLASSIFIER_PRESETS = {
  'adm-imagenet-64-classifier': {
    imageSize: 64,
    modelChannels: 128,
    outChannels: 1000,
    numResBlocks: 4,
    channelMult: [1, 2, 3, 4],
    attentionResolutions: [32, 16, 8],
    numHeadChannels: 64,
    useScaleShiftNorm: true,
    resblockUpdown: true,
    pool: 'attention',
  },
  'tiny-classifier-16': {
    imageSize: 16,
    modelChannels: 32,
    outChannels: 10,
    numResBlocks: 1,
    channelMult: [1, 2, 2],
    attentionResolutions: [8],
    numHeadChannels: 32,
    useScaleShiftNorm: true,
    resblockUpdown: true,
    pool: 'attention',
  },
  'tiny-classifier-32': {
    imageSize: 32,
    modelChannels: 32,
    outChannels: 10,
    numResBlocks: 2,
    channelMult: [1, 2, 2, 2],
    attentionResolutions: [16, 8],
    numHeadChannels: 32,
    useScaleShiftNorm: true,
    resblockUpdown: true,
    pool: 'attention',
  },
} as const satisfies Record<string, ClassifierConfig>;

export type ClassifierPresetName = keyof typeof CLASSIFIER_PRESETS;

/**
 * @cdm/augment: conditioning-augmentation policies for cascaded diffusion models (Ho et al. 2021,
 * §3): Gaussian noise on the diffusion's forward process (amortised; clean or truncated hand-over),
 * Gaussian blur, composition, and their registration by name.
 */
export { gaussianNoise, gaussianNoiseFactory, type GaussianNoiseMode, type GaussianNoiseOptions, type GaussianNoisePolicy, type NoiseScheduleSpec } from './gaussian-noise';
export { blurPerExample, gaussianBlur, gaussianBlurFactory, type GaussianBlurOptions, type GaussianBlurPolicy } from './gaussian-blur';
export { gaussianKernel1d } from './gaussian-kernel';
export { compose, composeFactory, type ComposedPolicy, type PolicySpec } from './compose';
export { none, noneFactory } from './none';
export { registerAugmentations } from './register-augmentations';
export { register } from './plugin';

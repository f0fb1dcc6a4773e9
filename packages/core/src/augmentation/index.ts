export { augmentationPolicies, createAugmentationRegistry } from './augmentation-registry';

/**
 * Opt-in side-effect entry: `import '@cdm/augment/register'` registers this package's policies
 * ('gaussian-noise', 'gaussian-blur', 'none', 'compose') in @cdm/core's default
 * `augmentationPolicies` registry. Prefer calling `registerAugmentations()` explicitly.
 */
import { registerAugmentations } from './register-augmentations';

registerAugmentations();

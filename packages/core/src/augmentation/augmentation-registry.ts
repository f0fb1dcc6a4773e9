import type { AugmentationPolicyFactory } from '../contracts/augmentation-policy';
import { createRegistry, type Registry } from '../registry';

/** An empty registry of augmentation-policy factories. */
export function createAugmentationRegistry(): Registry<AugmentationPolicyFactory> {
  return createRegistry<AugmentationPolicyFactory>({
    kind: 'augmentation policy',
    hint: "Register it first: augmentationPolicies.use(factory), or import '@cdm/augment/register' for the built-ins",
  });
}

/**
 * The default registry a `cascade.json` looks policies up in by name. Core registers nothing here;
 * `@cdm/augment` and third-party `cdm-augment-*` packages add their factories.
 */
export const augmentationPolicies = createAugmentationRegistry();

import {
  createAugmentationRegistry,
  createBackendRegistry,
  createDenoiserRegistry,
  createSamplerRegistry,
  createScheduleRegistry,
  type Registries,
} from '@cdm/core';
import { register as registerAugment } from '@cdm/augment';
import { registerNodeBackends } from '@cdm/backend-node';
import { register as registerUnet } from '@cdm/unet';

/**
 * Fresh registries for one run of the CLI (nothing leaks between runs in one process): the
 * built-in schedules and samplers, @cdm/unet's `adm-unet`, @cdm/augment's policies and
 * @cdm/backend-node's backends. Plugins named in a config add to these.
 */
export function cliRegistries(): Registries {
  const registries: Registries = {
    schedules: createScheduleRegistry(),
    samplers: createSamplerRegistry(),
    augmentationPolicies: createAugmentationRegistry(),
    denoisers: createDenoiserRegistry(),
    backends: createBackendRegistry(),
  };
  registerUnet(registries);
  registerAugment(registries);
  registerNodeBackends(registries.backends);
  return registries;
}

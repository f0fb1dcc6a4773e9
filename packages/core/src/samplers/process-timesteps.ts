import type { GaussianDiffusion } from '../diffusion/gaussian-diffusion';
import { errors } from '../errors';
import type { SamplerOptions } from './sampler';

/**
 * Respaces `diffusion` as the options ask and lists its indices in the order a sampler visits them:
 * the first thing every `SamplerFactory.create` does (exported for third-party samplers).
 */
export function samplerProcess(diffusion: GaussianDiffusion, options: SamplerOptions): { diffusion: GaussianDiffusion; timesteps: number[] } {
  const process = options.steps === undefined ? diffusion : diffusion.respace(options.steps);
  const timesteps = Array.from({ length: process.numTimesteps }, (_, i) => process.numTimesteps - 1 - i);
  return { diffusion: process, timesteps };
}

/** Validates the `clipDenoised` option (default true). */
export function checkClipDenoised(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw errors.invalidArgument('clipDenoised', 'a boolean', value);
  return value;
}

import type { Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import type { Rng } from '../rng';

/** What a policy gets besides the images: its source of randomness (so results follow the seed). */
export interface AugmentationContext {
  readonly rng: Rng;
}

/**
 * How the low-resolution conditioning reaches a super-resolution stage at sampling time:
 * - `clean`: the previous stage ran to the end and hands over z_0; the policy corrupts it to `level`.
 * - `truncated`: the previous stage stopped its reverse process at `level` (the sampler's
 *   `truncateAt`) and hands over z_s, which is already noised; the policy must not add noise again.
 */
export type AugmentationHandover = 'clean' | 'truncated';

export interface AugmentationSampleParams {
  /**
   * The augmentation level s to condition on, 0 = none. Noise levels follow core's level convention
   * for the policy's noise schedule (level s has ᾱ = alphasCumprod[s − 1]; see `alphaBarAtLevel`), the
   * same convention as `sample({ truncateAt })`: a truncated hand-over is exact only when the previous
   * stage's schedule is the policy's schedule, which the cascade checks.
   */
  readonly level: number;
  readonly handover: AugmentationHandover;
}

/** A type alias (not an interface) so `tf.dispose(result)` accepts it. */
export type AugmentationResult = {
  /** The corrupted images, same shape as the input, values in [−1, 1] (noise may exceed it). */
  readonly image: Tensor4D;
  /** float32 [B]: the level per example that the denoiser embeds (0 when nothing is embedded). */
  readonly level: Tensor1D;
};

/**
 * Conditioning augmentation (Ho et al. 2021, §3): corrupts the low-resolution image a
 * super-resolution stage is conditioned on. Inputs are NHWC in [−1, 1] and are not disposed; the
 * result's tensors are new and owned by the caller.
 */
export interface AugmentationPolicy {
  readonly name: string;
  /** Training time: draw a corruption per example. */
  train(lowRes: Tensor4D, context: AugmentationContext): AugmentationResult;
  /** Sampling time: the deterministic-level version (e.g. noise at s, and no blur). */
  sample(lowRes: Tensor4D, context: AugmentationContext, params: AugmentationSampleParams): AugmentationResult;
}

/** A named way to build a policy from `cascade.json` options; validates the options itself. */
export interface AugmentationPolicyFactory {
  readonly name: string;
  create(options: unknown): AugmentationPolicy;
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * The fused GroupNorm contract between models and backends. A backend may register, for its tfjs
 * backend, the two kernels below; a model's GroupNorm then runs as one kernel each way instead of
 * the dozen element-wise ops (and their gradients) of the composite. Backends that do not register
 * them run the composite: results agree to float32 rounding.
 *
 * - `CdmGroupNorm`: inputs `{ x: [N, H, W, C], gamma: [C], beta: [C] }`, attrs `{ groups, epsilon }`;
 *   outputs `[y: [N, H, W, C], mean: [N, groups], rstd: [N, groups]]` where, per example and group
 *   of C/groups consecutive channels, y = (x − mean)·rstd·gamma + beta and rstd = 1/√(σ² + ε)
 *   with σ² the biased variance over H, W and the group's channels.
 * - `CdmGroupNormGrad`: inputs `{ dy, x, mean, rstd, gamma }` (mean and rstd as the forward kernel
 *   returned them), attrs `{ groups }`; outputs `[dx: [N, H, W, C], dgamma: [C], dbeta: [C]]`.
 */
export const GROUP_NORM_KERNEL = 'CdmGroupNorm';
export const GROUP_NORM_GRAD_KERNEL = 'CdmGroupNormGrad';

/** Attributes of `CdmGroupNorm` (`CdmGroupNormGrad` takes `groups` only). */
export interface GroupNormAttrs {
  readonly groups: number;
  readonly epsilon: number;
}

/** Whether the tfjs backend `backendName` (default: the current one) registers both fused GroupNorm kernels. */
export function hasFusedGroupNorm(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(GROUP_NORM_KERNEL, backendName) !== undefined && tf.getKernel(GROUP_NORM_GRAD_KERNEL, backendName) !== undefined;
}

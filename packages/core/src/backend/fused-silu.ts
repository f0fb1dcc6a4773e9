import * as tf from '@tensorflow/tfjs-core';

/**
 * The fused SiLU contract between models and backends, like the fused GroupNorm's: a backend may
 * register, for its tfjs backend, the two kernels below, and a model's SiLU (x·σ(x)) then runs as
 * one kernel each way instead of Sigmoid and Mul forward and five element-wise ops backward.
 *
 * - `CdmSilu`: inputs `{ x }` (float32, any shape); output `y = x·σ(x)` of x's shape.
 * - `CdmSiluGrad`: inputs `{ dy, x }` (same shape); output `dx = dy·σ(x)·(1 + x·(1 − σ(x)))`.
 */
export const SILU_KERNEL = 'CdmSilu';
export const SILU_GRAD_KERNEL = 'CdmSiluGrad';

/** Whether the tfjs backend `backendName` (default: the current one) registers both fused SiLU kernels. */
export function hasFusedSilu(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(SILU_KERNEL, backendName) !== undefined && tf.getKernel(SILU_GRAD_KERNEL, backendName) !== undefined;
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * The fused Adam update contract between optimizers and backends, like the fused GroupNorm's: a
 * backend may register, for its tfjs backend, the kernel below, and an optimizer then updates each
 * parameter with one kernel instead of about ten element-wise ops.
 *
 * `CdmAdamUpdate`: inputs `{ param, m, v, grad }` (float32, one shape), attrs `AdamUpdateAttrs`;
 * outputs `[param′, m′, v′]` where
 *   m′ = β₁·m + (1 − β₁)·g,  v′ = β₂·v + (1 − β₂)·g²,
 *   param′ = param − stepSize · m′ / (√v′ / secondCorrection + ε),
 * with stepSize = lr / (1 − β₁ᵗ) and secondCorrection = √(1 − β₂ᵗ) computed by the caller. The
 * attributes are float64 numbers: form 1 − β₁ and 1 − β₂ from them before rounding to float32
 * (1 − float32(0.999) is off by 5e-5).
 */
export const ADAM_UPDATE_KERNEL = 'CdmAdamUpdate';

/** Attributes of `CdmAdamUpdate`. */
export interface AdamUpdateAttrs {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly stepSize: number;
  readonly secondCorrection: number;
}

/** Whether the tfjs backend `backendName` (default: the current one) registers the fused Adam update. */
export function hasFusedAdam(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(ADAM_UPDATE_KERNEL, backendName) !== undefined;
}

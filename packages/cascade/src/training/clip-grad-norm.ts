import * as tf from '@tensorflow/tfjs-core';

/** ‖g‖₂ over all gradients together (the global norm), as a float32 scalar. */
export function globalNorm(grads: Readonly<Record<string, tf.Tensor>>): tf.Scalar {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(squares.length === 0 ? tf.scalar(0) : tf.addN(squares)) as tf.Scalar;
  });
}

/**
 * The factor that clips gradients of global norm `norm` to at most `maxNorm`:
 * min(1, maxNorm / (norm + 1e-6)), as PyTorch's `clip_grad_norm_` computes it.
 * No clipping when `maxNorm` is undefined.
 */
export function clipScale(norm: number, maxNorm: number | undefined): number {
  if (maxNorm === undefined) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}

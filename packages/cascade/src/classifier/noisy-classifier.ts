import type { DenoiserCallOptions } from '@cdm/core';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A classifier of noisy images p_φ(y | x_t, t), the model behind classifier guidance (Dhariwal &
 * Nichol 2021 §4). @cdm/unet's ADM classifier (`createAdmClassifier`) is one; anything with this
 * shape works, an analytic one included.
 */
export interface NoisyClassifier {
  readonly numClasses: number;
  /** Side of the square images it classifies. */
  readonly imageSize: number;
  readonly channels: number;
  /**
   * x_t: [B, H, W, C]; t: int32 [B] timesteps of the trained process. Returns logits [B, numClasses].
   * Must be differentiable in x (guidance takes ∇ₓ) and, for training, in its parameters.
   */
  forward(x: tf.Tensor4D, t: tf.Tensor1D, options?: DenoiserCallOptions): tf.Tensor2D;
  /** Trainable parameters by name (empty for an analytic classifier). */
  parameters(): ReadonlyMap<string, tf.Variable>;
}

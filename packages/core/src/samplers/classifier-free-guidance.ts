import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';

/**
 * Classifier-free guidance (Ho & Salimans 2021): out = uncond + w·(cond − uncond) on the
 * prediction channels, so w = 1 is the conditional model and w = 0 the unconditional one. With
 * learned variance the variance channels are taken from the conditional output, as in GLIDE.
 * All of ε, x_0 and v are affine in the model output given x_t, so guiding in any of them is the same.
 */
export function classifierFreeGuidance(
  conditional: tf.Tensor4D,
  unconditional: tf.Tensor4D,
  scale: number,
  predictionChannels: number,
): tf.Tensor4D {
  if (!Number.isFinite(scale)) throw errors.invalidArgument('guidanceScale', 'a finite number', scale);
  if (conditional.shape.some((d, i) => d !== unconditional.shape[i])) {
    throw errors.shapeMismatch('unconditional model output', `[${conditional.shape.join(', ')}]`, unconditional.shape);
  }
  return tf.tidy(() => {
    const channels = conditional.shape[3];
    const guide = (c: tf.Tensor4D, u: tf.Tensor4D) => tf.add(u, tf.mul(scale, tf.sub(c, u))) as tf.Tensor4D;
    if (channels === predictionChannels) return guide(conditional, unconditional);
    const [cPred, cVar] = tf.split(conditional, [predictionChannels, channels - predictionChannels], 3) as [tf.Tensor4D, tf.Tensor4D];
    const [uPred] = tf.split(unconditional, [predictionChannels, channels - predictionChannels], 3) as [tf.Tensor4D, tf.Tensor4D];
    return tf.concat([guide(cPred, uPred!), cVar!], 3);
  });
}

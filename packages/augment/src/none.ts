import * as tf from '@tensorflow/tfjs-core';
import type { AugmentationPolicy, AugmentationPolicyFactory } from '@cdm/core';
import { readOptions } from './options';

/** No augmentation: the conditioning passes through unchanged (a copy) at level 0, in training and sampling. */
export function none(): AugmentationPolicy {
  const passThrough = (lowRes: tf.Tensor4D) => ({ image: tf.clone(lowRes), level: tf.zeros([lowRes.shape[0]], 'float32') as tf.Tensor1D });
  return { name: 'none', train: passThrough, sample: passThrough };
}

/** `'none'` for registries; it takes no options (`{}` or nothing). */
export const noneFactory: AugmentationPolicyFactory = {
  name: 'none',
  create(options) {
    readOptions('none', options, []);
    return none();
  },
};

import type * as tf from '@tensorflow/tfjs-core';
import type { ParamLookup } from './ops/params';

/** What every block of one forward pass shares. */
export interface BlockContext {
  readonly param: ParamLookup;
  readonly normGroups: number;
  readonly useScaleShiftNorm: boolean;
  readonly useNewAttentionOrder: boolean;
  /** Dropout as configured in training mode; the identity otherwise. */
  readonly dropout: (h: tf.Tensor4D) => tf.Tensor4D;
  /** Add each convolution's bias inside the convolution (`tf.fused.conv2d`): the inference path. Default false. */
  readonly fuseBias?: boolean;
}

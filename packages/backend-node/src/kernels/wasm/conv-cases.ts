import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@cdm/core';
import { seededValues } from '../../testing/compare-backends';

/** The spread of convolution shapes the replacement kernels are checked on (tests only). */
export interface ConvCase {
  readonly batch: number;
  readonly size: readonly [number, number];
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

const explicit: ConvCase['pad'] = [[0, 0], [1, 0], [2, 1], [0, 0]];
const images = [
  { batch: 1, size: [5, 5] as const, inChannels: 1, outChannels: 4 },
  { batch: 3, size: [8, 7] as const, inChannels: 3, outChannels: 2 },
  { batch: 2, size: [9, 6] as const, inChannels: 4, outChannels: 1 },
];

/** Every combination of 1×1 / 3×3, stride 1 / 2, 'same' / 'valid' / explicit over three image shapes, plus a 5×5. */
export const convCases: ConvCase[] = [
  ...images.flatMap((image) =>
    [1, 3].flatMap((kernel) => [1, 2].flatMap((stride) => (['same', 'valid', explicit] as const).map((pad) => ({ ...image, kernel, stride, pad })))),
  ),
  { batch: 2, size: [11, 10], inChannels: 3, outChannels: 3, kernel: 5, stride: 2, pad: 'same' },
];

export const describeCase = (c: ConvCase) =>
  `${c.kernel}×${c.kernel} stride ${c.stride}, ${typeof c.pad === 'string' ? `'${c.pad}'` : `explicit ${JSON.stringify(c.pad.slice(1, 3))}`}, ` +
  `x [${c.batch}, ${c.size.join(', ')}, ${c.inChannels}] → ${c.outChannels} channels`;

/** Conv2DBackpropFilter on a seeded x and dy of case `c`'s shapes, run on the current backend. */
export function backpropFilterCase(c: ConvCase, rng: Rng): tf.Tensor {
  const x = tf.tensor4d(seededValues(rng, c.batch * c.size[0] * c.size[1] * c.inChannels), [c.batch, c.size[0], c.size[1], c.inChannels]);
  const filterShape: [number, number, number, number] = [c.kernel, c.kernel, c.inChannels, c.outChannels];
  const outShape = tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, c.stride, c.pad).shape;
  const dy = tf.tensor4d(seededValues(rng, outShape.reduce((a, b) => a * b, 1)), outShape);
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC', filterShape }) as tf.Tensor;
}

/** Conv2DBackpropInput on a seeded filter and dy of case `c`'s shapes, run on the current backend. */
export function backpropInputCase(c: ConvCase, rng: Rng): tf.Tensor {
  const inputShape: [number, number, number, number] = [c.batch, c.size[0], c.size[1], c.inChannels];
  const filter = tf.tensor4d(seededValues(rng, c.kernel * c.kernel * c.inChannels * c.outChannels), [c.kernel, c.kernel, c.inChannels, c.outChannels]);
  const outShape = tf.conv2d(tf.zeros(inputShape) as tf.Tensor4D, filter, c.stride, c.pad).shape;
  const dy = tf.tensor4d(seededValues(rng, outShape.reduce((a, b) => a * b, 1)), outShape);
  return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, { inputShape, strides: [c.stride, c.stride], pad: c.pad, dataFormat: 'NHWC' }) as tf.Tensor;
}

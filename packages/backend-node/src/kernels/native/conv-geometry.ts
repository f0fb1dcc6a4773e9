import * as tf from '@tensorflow/tfjs-core';

/** The 15 numbers the native convolutions read (native/src/conv.h, ConvGeometry), from tfjs' Conv2DInfo. */
export function convGeometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  if (info.dataFormat !== 'channelsLast') throw new Error('the native convolutions support only NHWC (channelsLast)');
  return Int32Array.of(
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    info.dilationHeight,
    info.dilationWidth,
  );
}

type Shape4D = [number, number, number, number];

/** The attributes of Conv2D and its two gradients that shape the convolution (the gradients have no dilations: 1). */
interface ConvAttrs {
  readonly strides: [number, number] | number;
  readonly pad: tf.backend_util.ExplicitPadding | 'valid' | 'same' | number;
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
  readonly dilations?: [number, number] | number;
}

/** tfjs' Conv2DInfo for the convolution of an x of `xShape` with a filter of `filterShape`, and its native geometry. */
export function nativeConvGeometry(xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): { info: tf.backend_util.Conv2DInfo; geometry: Int32Array } {
  const { strides, pad, dataFormat, dimRoundingMode, dilations = 1 } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    [...xShape] as Shape4D,
    [...filterShape] as Shape4D,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  return { info, geometry: convGeometry(info) };
}

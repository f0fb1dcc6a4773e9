import type * as tf from '@tensorflow/tfjs-core';

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

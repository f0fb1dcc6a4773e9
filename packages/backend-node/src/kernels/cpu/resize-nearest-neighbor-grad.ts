import * as tf from '@tensorflow/tfjs-core';
import { scatterNearest } from '../nearest-neighbor-scatter';

/** The part of tfjs-backend-cpu's backend this kernel uses. */
interface CpuBackendLike {
  readSync(dataId: tf.DataId): tf.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.BackendValues): tf.TensorInfo;
}

/**
 * ResizeNearestNeighborGrad for tfjs-cpu, replacing the shipped 4.22 kernel, which indexes dy with
 * the image's batch stride and so is wrong for batch > 1. The gradient of a copy is the adjoint
 * scatter-add: every dy pixel is added to the input pixel it was copied from.
 */
export function resizeNearestNeighborGrad(backendName = 'cpu'): tf.KernelConfig {
  return {
    kernelName: tf.ResizeNearestNeighborGrad,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { images, dy } = inputs as unknown as { images: tf.TensorInfo; dy: tf.TensorInfo };
      const { alignCorners, halfPixelCenters } = attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
      const cpu = backend as unknown as CpuBackendLike;
      const dyValues = cpu.readSync(dy.dataId) as Float32Array;
      const [, outH, outW] = dy.shape as [number, number, number, number];
      const dx = new Float32Array(images.shape.reduce((a, b) => a * b, 1));
      scatterNearest(dyValues, dx, images.shape as [number, number, number, number], [outH, outW], alignCorners, halfPixelCenters);
      return cpu.makeTensorInfo(images.shape, 'float32', dx);
    },
  };
}

/** Puts the corrected kernel in place of tfjs-cpu's (idempotent). */
export function registerCpuKernelFixes(backendName = 'cpu'): void {
  const current = tf.getKernel(tf.ResizeNearestNeighborGrad, backendName);
  if (current !== undefined && fixed.has(current.kernelFunc)) return;
  const config = resizeNearestNeighborGrad(backendName);
  fixed.add(config.kernelFunc);
  if (current !== undefined) tf.unregisterKernel(tf.ResizeNearestNeighborGrad, backendName);
  tf.registerKernel(config);
}

const fixed = new WeakSet<tf.KernelFunc>();

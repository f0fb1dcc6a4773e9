import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-cpu's backend this kernel uses. */
interface CpuBackendLike {
  readSync(dataId: tf.DataId): tf.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.BackendValues): tf.TensorInfo;
}

/**
 * Which input row (or column) the forward nearest-neighbour resize copies output index `i` from,
 * with tfjs' `alignCorners` / `halfPixelCenters` conventions.
 */
export function nearestSource(i: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const ratio = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const source = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
  const index = Math.min(inSize - 1, alignCorners ? Math.round(source) : Math.floor(source));
  return halfPixelCenters ? Math.max(0, index) : index;
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
      const [batch, inH, inW, channels] = images.shape as [number, number, number, number];
      const [, outH, outW] = dy.shape as [number, number, number, number];
      const rows = Int32Array.from({ length: outH }, (_, y) => nearestSource(y, inH, outH, alignCorners, halfPixelCenters));
      const cols = Int32Array.from({ length: outW }, (_, x) => nearestSource(x, inW, outW, alignCorners, halfPixelCenters));
      const dx = new Float32Array(batch * inH * inW * channels);
      let o = 0;
      for (let b = 0; b < batch; b++) {
        for (let y = 0; y < outH; y++) {
          const rowBase = (b * inH + rows[y]!) * inW;
          for (let x = 0; x < outW; x++) {
            const base = (rowBase + cols[x]!) * channels;
            for (let c = 0; c < channels; c++) dx[base + c]! += dyValues[o++]!;
          }
        }
      }
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

import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-cpu's backend the kernel uses. */
interface CpuBackendLike {
  readSync(dataId: tf.DataId): tf.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.BackendValues): tf.TensorInfo;
}

/**
 * For tests only: a Conv2DBackpropFilter for the tfjs cpu backend written as plain loops over
 * typed arrays (NHWC, any stride, padding and dilation 1). tfjs-backend-cpu 4.22's own kernel takes
 * ~1 s for a [8, 16, 16, 16] batch (95 % of a tiny denoiser's training step), which would make the
 * training tests take minutes; this one computes the same sums, dW[i,j,c,o] = Σ_{b,y,x} x[b, y·s+i−top,
 * x·s+j−left, c]·dy[b,y,x,o], about 50× faster. Its test compares it with the shipped kernel.
 */
export function cpuConv2DBackpropFilter(): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as {
        strides: [number, number] | number;
        pad: 'valid' | 'same' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      const cpu = backend as unknown as CpuBackendLike;
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
      const xs = cpu.readSync(x.dataId) as Float32Array;
      const dys = cpu.readSync(dy.dataId) as Float32Array;
      const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, filterHeight, filterWidth } = info;
      const { top, left } = info.padInfo;
      const dw = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
      const row = new Float64Array(inChannels * outChannels);
      for (let i = 0; i < filterHeight; i++)
        for (let j = 0; j < filterWidth; j++) {
          row.fill(0);
          for (let b = 0; b < batchSize; b++)
            for (let y = 0; y < outHeight; y++) {
              const xi = y * strideHeight + i - top;
              if (xi < 0 || xi >= inHeight) continue;
              for (let xo = 0; xo < outWidth; xo++) {
                const xj = xo * strideWidth + j - left;
                if (xj < 0 || xj >= inWidth) continue;
                const xBase = ((b * inHeight + xi) * inWidth + xj) * inChannels;
                const dyBase = ((b * outHeight + y) * outWidth + xo) * outChannels;
                for (let c = 0; c < inChannels; c++) {
                  const xv = xs[xBase + c]!;
                  if (xv === 0) continue;
                  const r = c * outChannels;
                  for (let o = 0; o < outChannels; o++) row[r + o]! += xv * dys[dyBase + o]!;
                }
              }
            }
          dw.set(row, (i * filterWidth + j) * inChannels * outChannels);
        }
      return cpu.makeTensorInfo(filterShape, 'float32', dw);
    },
  };
}

/** Replaces the cpu backend's Conv2DBackpropFilter with `cpuConv2DBackpropFilter` (idempotent); returns the one it replaced. */
export function useFastCpuConvFilterGrad(): tf.KernelConfig | undefined {
  const previous = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
  if (previous !== undefined) tf.unregisterKernel(tf.Conv2DBackpropFilter, 'cpu');
  tf.registerKernel(cpuConv2DBackpropFilter());
  return previous;
}

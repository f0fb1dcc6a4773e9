import * as tf from '@tensorflow/tfjs-core';

/** The part of a tfjs backend this kernel uses. */
interface BackendLike {
  disposeData(dataId: tf.DataId): boolean;
}

/**
 * Storage buffers one WebGPU compute shader may bind by default (`maxStorageBuffersPerShaderStage`),
 * the output included. tfjs-webgpu 4.22's AddN binds every input, so more than 7 inputs fail
 * validation and leave the result unwritten (a global gradient norm over 129 parameters does that).
 */
export const WEBGPU_STORAGE_BUFFERS = 8;

/**
 * AddN for tfjs-webgpu that sums at most `WEBGPU_STORAGE_BUFFERS − 1` inputs per shader: larger
 * sums run the shipped kernel on chunks, then on the partial sums (a tree of depth log₇ n).
 */
export function webgpuAddN(shipped: tf.KernelFunc, backendName = 'webgpu', perShader = WEBGPU_STORAGE_BUFFERS - 1): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    let terms = inputs as unknown as tf.TensorInfo[];
    const owned = new Set<tf.TensorInfo>();
    while (terms.length > perShader) {
      const partials: tf.TensorInfo[] = [];
      for (let i = 0; i < terms.length; i += perShader) {
        const chunk = terms.slice(i, i + perShader);
        if (chunk.length === 1) {
          partials.push(chunk[0]!);
          continue;
        }
        const sum = shipped({ inputs: chunk as unknown as tf.NamedTensorInfoMap, backend, ...(attrs === undefined ? {} : { attrs }) }) as tf.TensorInfo;
        for (const term of chunk) if (owned.delete(term)) (backend as unknown as BackendLike).disposeData(term.dataId);
        owned.add(sum);
        partials.push(sum);
      }
      terms = partials;
    }
    const result = shipped({ inputs: terms as unknown as tf.NamedTensorInfoMap, backend, ...(attrs === undefined ? {} : { attrs }) }) as tf.TensorInfo;
    for (const term of owned) (backend as unknown as BackendLike).disposeData(term.dataId);
    return result;
  };
  return { kernelName: tf.AddN, backendName, kernelFunc };
}

const chunked = new WeakSet<tf.KernelFunc>();

/** Wraps tfjs-webgpu's AddN so that any number of inputs works (idempotent). */
export function registerWebgpuKernelFixes(backendName = 'webgpu'): void {
  const current = tf.getKernel(tf.AddN, backendName);
  if (current === undefined || chunked.has(current.kernelFunc)) return;
  const config = webgpuAddN(current.kernelFunc, backendName);
  chunked.add(config.kernelFunc);
  tf.unregisterKernel(tf.AddN, backendName);
  tf.registerKernel(config);
}

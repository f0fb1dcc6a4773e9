import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-wasm's BackendWasm the shared Identity uses. */
interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/**
 * Identity for tfjs-wasm that shares the input's bytes (one more reference) instead of copying
 * them, as tfjs-cpu's does: tensors are immutable and a variable's assignment takes a new buffer,
 * so nothing can observe the difference. Gradients and optimizers call Identity for every
 * variable and most pass-through gradients: a copy each time was 2–7 % of a training step.
 */
export function identity(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName,
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as unknown as { x: tf.TensorInfo };
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    },
  };
}

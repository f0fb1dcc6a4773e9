import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-wasm's BackendWasm this Cast uses. */
interface WasmBackendParts {
  incRef(dataId: tf.DataId): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Cast for tfjs-wasm that shares the input's bytes when the dtype does not change, as Identity
 * does: tfjs' gradient of Mul casts its other operand to float32 on every call, which on
 * tfjs-wasm was a full copy of an activation, about 2 % of a U-Net training step. Casts to bool
 * are x ≠ 0 (the shipped kernel stores −1.7 as 255, not 1); other dtypes run the shipped kernel.
 */
export function cast(backendName: string, shipped: tf.KernelFunc): tf.KernelConfig {
  return {
    kernelName: tf.Cast,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as unknown as { x: tf.TensorInfo };
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      const backend = args.backend as unknown as WasmBackendParts;
      if (dtype === x.dtype) {
        backend.incRef(x.dataId);
        return { dataId: x.dataId, shape: [...x.shape], dtype };
      }
      if (dtype !== 'bool') return shipped(args);
      const out = backend.makeOutput([...x.shape], 'bool');
      const source = backend.typedArrayFromHeap(x); // after makeOutput, which may grow the heap
      const target = backend.typedArrayFromHeap(out);
      for (let i = 0; i < source.length; i++) target[i] = source[i] !== 0 ? 1 : 0;
      return out;
    },
  };
}

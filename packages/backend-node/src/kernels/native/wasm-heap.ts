import type * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-wasm's BackendWasm the native kernels use: outputs on the heap and views of it. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * A Float32Array over a tensor's bytes on the WASM heap (no copy). Views must be taken after the
 * last allocation of a kernel: an allocation that grows the heap detaches earlier ones.
 */
export function heapView(backend: WasmHeapBackend, info: tf.TensorInfo, role: string): Float32Array {
  if (info.dtype !== 'float32') throw new TypeError(`native kernels take float32 tensors; ${role} is ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

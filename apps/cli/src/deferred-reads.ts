import * as tf from '@tensorflow/tfjs-core';

/**
 * Reads tensors that a synchronous callback sees only briefly (a sampler's `onProgress` state)
 * without `dataSync()`, which backends with asynchronous reads only (webgpu in Node) do not have:
 * `copy` keeps a reference to the tensor's data (a clone shares it) and starts an asynchronous read
 * into `into` at `offset`; `flush` waits for all of them and releases the references.
 */
export function deferredReads(): { copy(tensor: tf.Tensor, into: Float32Array, offset: number): void; flush(): Promise<void> } {
  let pending: Promise<void>[] = [];
  return {
    copy(tensor, into, offset) {
      const held = tf.keep(tf.clone(tensor));
      const read = held.data().then(
          (values) => {
            into.set(values as Float32Array, offset);
            held.dispose();
          },
          (error: unknown) => {
            held.dispose();
            throw error;
          },
        );
      // Handled here so that a read whose batch failed before `flush` is not an unhandled rejection; `flush` still rejects with it.
      read.catch(() => {});
      pending.push(read);
    },
    async flush() {
      const reads = pending;
      pending = [];
      await Promise.all(reads);
    },
  };
}

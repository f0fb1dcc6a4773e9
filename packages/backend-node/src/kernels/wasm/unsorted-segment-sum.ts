import * as tf from '@tensorflow/tfjs-core';
import { compose, type KernelBackendLike } from './compose';

/**
 * UnsortedSegmentSum (the gradient of `gather`, e.g. of a class-embedding lookup) for tfjs-wasm,
 * which lacks it, as a matrix product:  out[s, …] = Σ_i [ids_i = s] · x[i, …] = onehot(ids)ᵀ · x.
 * Ids outside 0…numSegments − 1 contribute nothing, as in TensorFlow. Float32 data, 1-D ids.
 */
export function unsortedSegmentSum(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as unknown as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
      if (segmentIds.shape.length !== 1 || x.dtype !== 'float32') {
        throw new Error(`UnsortedSegmentSum on ${backendName} supports float32 data with 1-D segment ids`);
      }
      const rows = x.shape[0] ?? 1;
      const rest = x.shape.slice(1);
      const width = rest.reduce((a, b) => a * b, 1);
      return compose(backend as unknown as KernelBackendLike, backendName, (run) => {
        const ids = segmentIds.dtype === 'int32' ? segmentIds : run('Cast', { x: segmentIds }, { dtype: 'int32' });
        // tfjs-wasm 4.22's OneHot ignores dtype 'float32' (writes int32 bits), so make int32 and cast.
        const oneHotInt = run('OneHot', { indices: ids }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' });
        const oneHot = run('Cast', { x: oneHotInt }, { dtype: 'float32' }); // [N, S]
        const selector = run('Transpose', { x: run('Reshape', { x: oneHot }, { shape: [1, rows, numSegments] }) }, { perm: [0, 2, 1] });
        const values = run('Reshape', { x }, { shape: [1, rows, width] });
        const sums = run(tf.BatchMatMul, { a: selector, b: values }, { transposeA: false, transposeB: false }); // [1, S, width]
        return run('Reshape', { x: sums }, { shape: [numSegments, ...rest] });
      });
    },
  };
}

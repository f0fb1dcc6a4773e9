import * as tf from '@tensorflow/tfjs-core';
import { compose, type KernelBackendLike } from './compose';

/**
 * BatchMatMul for tfjs-wasm with transposes made explicit: the shipped kernel reaches XNNPACK only
 * when neither operand is transposed, and a gradient of `matMul` always transposes one. The
 * operands are transposed (a fast copy) and handed to the shipped kernel, `original`, which must be
 * the wasm kernel function captured before this one replaced it.
 */
export function batchMatMul(backendName: string, original: tf.KernelFunc): tf.KernelConfig {
  const originals = new Map([[tf.BatchMatMul, original]]);
  return {
    kernelName: tf.BatchMatMul,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { a, b } = inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      return compose(
        backend as unknown as KernelBackendLike,
        backendName,
        (run) => {
          const lhs = transposeA ? run('Transpose', { x: a }, { perm: swapLastTwo(a.shape.length) }) : a;
          const rhs = transposeB ? run('Transpose', { x: b }, { perm: swapLastTwo(b.shape.length) }) : b;
          return run(tf.BatchMatMul, { a: lhs, b: rhs }, { transposeA: false, transposeB: false });
        },
        originals,
      );
    },
  };
}

const swapLastTwo = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRng, DROPOUT_KERNEL, dropoutAttrs, dropoutMask, hasFusedDropout, type DropoutAttrs } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropout } from './dropout';

const x = () => tf.tensor4d(Float32Array.from({ length: 2 * 3 * 5 * 7 }, (_, i) => Math.cos(i) * 2), [2, 3, 5, 7]);
const weights = () => tf.tensor4d(Float32Array.from({ length: 2 * 3 * 5 * 7 }, (_, i) => Math.sin(i * 0.7)), [2, 3, 5, 7]);

/** The value and ∂x of Σ dropout(x)·w, with a generator of seed 5. */
function valueAndGrad(): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const input = x();
    const w = weights();
    const y = dropout(input, 0.3, createRng(5));
    const [g] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(dropout(a as tf.Tensor4D, 0.3, createRng(5)), w)))([input]);
    return [y.dataSync() as Float32Array, g!.dataSync() as Float32Array];
  });
}

describe('dropout (Philox mask)', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('multiplies by @cdm/core’s mask for the key it draws: two 32-bit words from the generator', () => {
    const rng = createRng(5);
    const key0 = Math.floor(rng.uniform() * 2 ** 32);
    const key1 = Math.floor(rng.uniform() * 2 ** 32);
    const mask = dropoutMask(x().size, dropoutAttrs(0.3, key0, key1));
    const [y, grad] = valueAndGrad();
    const xs = x().dataSync();
    const ws = weights().dataSync();
    expect(Array.from(y)).toEqual(Array.from(xs, (v, i) => Math.fround(v * mask[i]!)));
    expect(Array.from(grad)).toEqual(Array.from(ws, (v, i) => Math.fround(v * mask[i]!))); // ∂(Σ x·m·w)/∂x = m·w
    const next = createRng(5);
    next.uniform();
    next.uniform();
    const after = createRng(5);
    dropout(x(), 0.3, after);
    expect(after.state()).toEqual(next.state()); // exactly two draws, whatever the tensor's size
  });

  describe('on a backend with the fused kernel', () => {
    beforeAll(() => {
      // A second implementation of the contract for these tests, on tfjs-cpu: y = x·dropoutMask.
      tf.registerKernel({
        kernelName: DROPOUT_KERNEL,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend, attrs }) => {
          const input = (inputs as unknown as { x: tf.TensorInfo }).x;
          const b = backend as unknown as { readSync(id: tf.DataId): Float32Array; write(v: Float32Array, s: number[], d: tf.DataType): tf.DataId };
          const values = b.readSync(input.dataId);
          const mask = dropoutMask(values.length, attrs as unknown as DropoutAttrs);
          return { dataId: b.write(Float32Array.from(values, (v, i) => v * mask[i]!), [...input.shape], 'float32'), shape: [...input.shape], dtype: 'float32' };
        },
      });
    });
    afterAll(() => {
      if (tf.getKernel(DROPOUT_KERNEL, 'cpu') !== undefined) tf.unregisterKernel(DROPOUT_KERNEL, 'cpu');
    });

    it('takes the fused path both ways and gives the composite’s value and gradient exactly', () => {
      expect(hasFusedDropout()).toBe(true);
      const fused = valueAndGrad();
      tf.unregisterKernel(DROPOUT_KERNEL, 'cpu');
      const composite = valueAndGrad();
      expect(Array.from(fused[0])).toEqual(Array.from(composite[0]));
      expect(Array.from(fused[1])).toEqual(Array.from(composite[1]));
    });
  });
});

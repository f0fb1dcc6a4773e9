import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureGradients } from './ensure-gradients';
import { meanGradient, registerReductionGradients, sumGradient } from './reduction-gradients';

const shape = [2, 3, 4, 5];
const x = () => tf.tensor(Float32Array.from({ length: 120 }, (_, i) => Math.sin(i * 1.7) * 3), shape);

/** d/dx of Σ w ⊙ reduce(x, axis, keepDims) with w seeded: dy carries distinct values, not ones. */
function gradient(reduce: typeof tf.sum | typeof tf.mean, axis: number | number[] | undefined, keepDims: boolean): Float32Array {
  return tf.tidy(() => {
    const g = tf.grad((v: tf.Tensor) => {
      const r = reduce(v, axis, keepDims);
      const w = tf.tensor(Float32Array.from({ length: r.size }, (_, i) => 0.25 + Math.cos(i) * 1.3), r.shape);
      return tf.sum(tf.mul(r, w));
    })(x());
    return g.dataSync() as Float32Array;
  });
}

const cases: [number | number[] | undefined, boolean][] = [
  [0, false],
  [[1, 3], false],
  [-1, true],
  [undefined, false],
  [[0, 1, 2, 3], true],
];

describe("Sum's and Mean's gradients without a tensor of ones", () => {
  let original: { sum: tf.GradConfig; mean: tf.GradConfig };
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    original = { sum: tf.getGradient(tf.Sum)!, mean: tf.getGradient(tf.Mean)! };
    expect(original.sum).not.toBe(sumGradient);
  });

  for (const [name, reduce, key] of [['Sum', tf.sum, 'sum'], ['Mean', tf.mean, 'mean']] as const) {
    for (const [axis, keepDims] of cases) {
      it(`${name} over axis ${JSON.stringify(axis)}${keepDims ? ', keepDims' : ''}: tfjs-core's values bit for bit`, () => {
        tf.registerGradient(original[key]);
        const want = gradient(reduce, axis, keepDims);
        registerReductionGradients();
        const got = gradient(reduce, axis, keepDims);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
        // A mean's gradient really is divided: not all of one value, and not dy itself.
        if (name === 'Mean') expect(Math.max(...got.map(Math.abs))).toBeLessThan(2);
      });
    }
  }

  it('ensureGradients installs them, and registering again changes nothing', async () => {
    tf.registerGradient(original.sum);
    await ensureGradients();
    expect(tf.getGradient(tf.Sum)).toBe(sumGradient);
    expect(tf.getGradient(tf.Mean)).toBe(meanGradient);
    registerReductionGradients();
    expect(tf.getGradient(tf.Sum)).toBe(sumGradient);
  });
});

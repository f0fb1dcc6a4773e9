import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeingGradientsInstalled, installFreeingGradients, uninstallFreeingGradients } from './freeing-gradients';

/** tf.customGrad for a function of fixed arity (tfjs types its argument as a rest parameter). */
const customGrad = (f: (...args: never[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => tf.Tensor;
const values = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k) * 1.5);
const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer);

/** Runs `compute` with tfjs' own backward pass and with the freeing one; returns both results as byte strings. */
function both(compute: () => tf.Tensor[]): { tfjs: Buffer[]; freeing: Buffer[] } {
  const run = () => {
    const before = tf.memory().numTensors;
    const out = compute();
    const result = out.map(bytes);
    tf.dispose(out);
    expect(tf.memory().numTensors).toBe(before); // nothing leaks, nothing is freed twice into negative counts
    return result;
  };
  uninstallFreeingGradients();
  const tfjs = run();
  installFreeingGradients();
  const freeing = run();
  return { tfjs, freeing };
}

const expectSame = ({ tfjs, freeing }: { tfjs: Buffer[]; freeing: Buffer[] }) => {
  expect(freeing.length).toBe(tfjs.length);
  freeing.forEach((b, i) => expect(b.equals(tfjs[i]!)).toBe(true));
};

describe('the freeing backward pass', () => {
  let x: tf.Tensor4D, w1: tf.Variable, w2: tf.Variable, bias: tf.Variable, dense: tf.Variable;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    x = tf.tensor4d(values(2 * 6 * 6 * 3, 0), [2, 6, 6, 3]);
    w1 = tf.variable(tf.tensor4d(values(3 * 3 * 3 * 4, 1), [3, 3, 3, 4]));
    w2 = tf.variable(tf.tensor4d(values(3 * 3 * 4 * 4, 2), [3, 3, 4, 4]));
    bias = tf.variable(tf.tensor1d(values(4, 3)));
    dense = tf.variable(tf.tensor2d(values(4 * 5, 4), [4, 5]));
  });
  afterEach(() => installFreeingGradients());

  /** A small network with broadcasts, a residual (one tensor read twice), a reduction and a matmul. */
  const loss = () => {
    const h = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), bias));
    const r = tf.add(h, tf.tanh(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'same')));
    const pooled = tf.mean(tf.mul(r, r), [1, 2]) as tf.Tensor2D;
    return tf.sum(tf.square(tf.matMul(pooled, dense as tf.Tensor2D))) as tf.Scalar;
  };

  it('gives tfjs-core\'s loss and gradients bit for bit, and leaks nothing', () => {
    const result = both(() => {
      const { value, grads } = tf.variableGrads(loss);
      return [value, ...[w1, w2, bias, dense].map((v) => grads[v.name]!)];
    });
    expectSame(result);
    expect(freeingGradientsInstalled()).toBe(true);
  });

  it("holds a fraction of what tfjs-core's backward pass holds once it is nearly done", () => {
    // An identity whose gradient counts the data buffers alive when the backward pass reaches it:
    // by then tfjs-core still holds every gradient and saved tensor of the twelve steps after it.
    let alive = 0;
    const probe = customGrad((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return {
        value: tf.mul(a, 1),
        gradFunc: (dy: tf.Tensor) => {
          alive = tf.memory().numDataBuffers;
          return [dy];
        },
      };
    });
    const chain = () => {
      const { value, grads } = tf.variableGrads(() => {
        // Every op depends on the variable, so every node is differentiated (as in a network).
        let h = probe(tf.mul(tf.tile(tf.reshape(x, [2, 108]), [64, 10]), tf.sum(dense))) as tf.Tensor;
        for (let i = 0; i < 12; i++) h = tf.sin(tf.add(h, tf.mul(h, 0.5)));
        return tf.sum(h);
      }, [dense]);
      tf.dispose([value, ...Object.values(grads)]);
      return alive;
    };
    const baseline = tf.memory().numDataBuffers;
    uninstallFreeingGradients();
    const tfjsAlive = chain() - baseline;
    installFreeingGradients();
    const freeingAlive = chain() - baseline;
    expect(tfjsAlive).toBeGreaterThan(40);
    expect(freeingAlive).toBeLessThan(tfjsAlive / 4);
  });

  it('never frees a dy the caller passed in', () => {
    const dy = tf.ones([2, 6, 6, 4]);
    const [g] = tf.grads((a: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'))([x], dy);
    expect(dy.isDisposed).toBe(false);
    tf.dispose([dy, g!]);
  });

  it('keeps a gradient that a gradient function handed back as dy itself for two inputs', () => {
    // The custom gradient returns the same tensor object for a and b; both are read again later, so
    // their gradients are accumulated separately and must not be freed through each other.
    const twin = customGrad((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return { value: tf.add(a, b), gradFunc: (dy: tf.Tensor) => [dy, dy] };
    });
    expectSame(
      both(() => {
        const { value, grads } = tf.variableGrads(() => {
          const a = tf.mul(dense, 2);
          const b = tf.sin(dense);
          return tf.sum(tf.mul(twin(a, b) as tf.Tensor, tf.add(tf.exp(a), tf.square(b))));
        }, [dense]);
        return [value, grads[dense.name]!];
      }),
    );
  });

  it('gives the same results with a gradient computed inside another gradient (as checkpointing does) and for second derivatives', () => {
    const recomputed = customGrad((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([a]);
      return {
        value: tf.tanh(tf.mul(a, a)),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const state = tf.engine().state as unknown as { activeTape: unknown };
          const outer = state.activeTape;
          try {
            return tf.grads((v: tf.Tensor) => tf.tanh(tf.mul(v, v)))([saved[0]!], dy);
          } finally {
            state.activeTape = outer;
          }
        },
      };
    });
    expectSame(
      both(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(recomputed(tf.sin(dense)) as tf.Tensor, dense)), [dense]);
        return [value, grads[dense.name]!];
      }),
    );
    expectSame(both(() => [tf.grad((v: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.sin(u), tf.square(u))))(v)))(dense)]));
  });
});

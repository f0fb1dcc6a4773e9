import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { SILU_GRAD_KERNEL, SILU_KERNEL, hasFusedSilu } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compositeSilu, silu } from './silu';

/**
 * A second implementation of @cdm/core's fused SiLU contract, in float64 JavaScript on tfjs-cpu,
 * registered for these tests only, to check `silu`'s custom-gradient wiring independently of any
 * backend's kernel. Each kernel counts its calls.
 */
const calls = { forward: 0, backward: 0 };
function registerReferenceKernels(): void {
  const read = (backend: unknown, t: tf.TensorInfo) => (backend as { readSync(id: tf.DataId): Float32Array }).readSync(t.dataId);
  const make = (backend: unknown, values: Float32Array, shape: number[]) => {
    const b = backend as { write(v: Float32Array, s: number[], d: tf.DataType): tf.DataId };
    return { dataId: b.write(values, shape, 'float32'), shape, dtype: 'float32' as const };
  };
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  tf.registerKernel({
    kernelName: SILU_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      calls.forward++;
      const { x } = inputs as Record<string, tf.TensorInfo>;
      return make(backend, read(backend, x!).map((v) => v * sigmoid(v)), [...x!.shape]);
    },
  });
  tf.registerKernel({
    kernelName: SILU_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      calls.backward++;
      const { dy, x } = inputs as Record<string, tf.TensorInfo>;
      const dys = read(backend, dy!);
      return make(backend, read(backend, x!).map((v, i) => dys[i]! * sigmoid(v) * (1 + v * (1 - sigmoid(v)))), [...x!.shape]);
    },
  });
}

describe('silu on a backend with the fused kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerReferenceKernels();
  });
  afterAll(() => {
    tf.unregisterKernel(SILU_KERNEL, 'cpu');
    tf.unregisterKernel(SILU_GRAD_KERNEL, 'cpu');
  });

  const valueAndGrad = (f: typeof silu) =>
    tf.tidy(() => {
      const x = tf.randomNormal([3, 4, 5, 8], 0.5, 4, 'float32', 1);
      const weights = tf.randomNormal([3, 4, 5, 8], 0, 1, 'float32', 2);
      return [f(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a), weights)))(x)];
    });

  it('takes the fused path, once each way, and agrees with the composite in value and gradient (1e-6 relative)', async () => {
    expect(hasFusedSilu()).toBe(true);
    const before = { ...calls };
    const fused = valueAndGrad(silu);
    expect(calls.forward - before.forward).toBe(2); // y, and the forward pass inside tf.grad
    expect(calls.backward - before.backward).toBe(1);
    const reference = valueAndGrad(compositeSilu);
    for (let i = 0; i < 2; i++) {
      const got = await fused[i]!.data(), want = await reference[i]!.data();
      const scale = Math.max(...Array.from(want, Math.abs));
      const worst = Math.max(...Array.from(want, (v, j) => Math.abs(v - got[j]!)));
      expect(worst / scale, ['y', '∂x'][i]).toBeLessThan(1e-6);
    }
    tf.dispose([...fused, ...reference]);
  });

  it('runs the composite when the backend lacks either kernel', async () => {
    const grad = tf.getKernel(SILU_GRAD_KERNEL, 'cpu')!;
    tf.unregisterKernel(SILU_GRAD_KERNEL, 'cpu');
    expect(hasFusedSilu()).toBe(false);
    const before = calls.forward;
    const x = tf.tensor1d([-3, 0, 0.5, 7]);
    const y = silu(x);
    expect(calls.forward).toBe(before);
    const reference = compositeSilu(x);
    expect(Array.from(await y.data())).toEqual(Array.from(await reference.data()));
    tf.registerKernel(grad);
    tf.dispose([x, y, reference]);
  });

  it('leaves no tensor behind in a gradient step', () => {
    tf.dispose(valueAndGrad(silu));
    const before = tf.memory().numTensors;
    tf.dispose(valueAndGrad(silu));
    expect(tf.memory().numTensors).toBe(before);
  });
});

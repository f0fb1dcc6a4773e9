import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE_KERNEL, hasFusedAdam, type AdamUpdateAttrs } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdam } from './adam';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Adam in float64 on plain numbers (Kingma & Ba 2015, Algorithm 1, with ε added to √v̂). */
function adamReference(theta: number[], gradients: number[][], lrs: number[], b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  const p = [...theta];
  gradients.forEach((g, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2;
      p[i] = p[i]! - (lrs[step]! * (m[i]! / (1 - b1 ** t))) / (Math.sqrt(v[i]! / (1 - b2 ** t)) + eps);
    }
  });
  return p;
}

it('follows Adam in float64 over 20 steps with a changing learning rate (1e-6)', async () => {
  const theta = [0.5, -1.2, 3, 0.01];
  const gradients = Array.from({ length: 20 }, (_, s) => theta.map((_, i) => Math.sin(1.7 * s + i) * (i + 1)));
  const lrs = gradients.map((_, s) => 0.01 * Math.min(1, (s + 1) / 5));
  const w = tf.variable(tf.tensor1d(theta));
  const adam = createAdam(new Map([['w', w]]));
  for (const [s, g] of gradients.entries()) {
    const grad = tf.tensor1d(g);
    adam.apply({ w: grad }, lrs[s]!);
    grad.dispose();
  }
  expect(adam.updates).toBe(20);
  const expected = adamReference(theta, gradients, lrs);
  (await w.data()).forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThan(1e-6));
  adam.dispose();
  w.dispose();
});

it('restores its moments and update count exactly; a mismatched state is a coded error listing the problems', async () => {
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const adam = createAdam(new Map([['w', w]]));
  adam.load({ updates: 7, firstMoment: new Map([['w', Float32Array.of(0.1, 0.2, 0.3)]]), secondMoment: new Map([['w', Float32Array.of(1, 2, 3)]]) });
  expect(adam.updates).toBe(7);
  expect(Array.from(await adam.firstMoment.get('w')!.data())).toEqual(Array.from(Float32Array.of(0.1, 0.2, 0.3)));
  expect(() => adam.load({ updates: 1, firstMoment: new Map([['w', new Float32Array(2)]]), secondMoment: new Map([['x', new Float32Array(3)]]) })).toThrow(
    /w \(m\): 2 values, expected 3[\s\S]*w \(v\): missing[\s\S]*x \(v\): not a parameter/,
  );
  adam.dispose();
  w.dispose();
});

describe('on a backend with the fused Adam update', () => {
  // A second implementation of @cdm/core's contract in float64 JavaScript on tfjs-cpu, registered
  // for these tests only, that counts its calls: it checks createAdam's wiring (which output goes
  // to which variable, the attributes, nothing leaked) independently of any backend's kernel.
  let calls = 0;
  beforeAll(() => {
    tf.registerKernel({
      kernelName: ADAM_UPDATE_KERNEL,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        calls++;
        const { beta1, beta2, epsilon, stepSize, secondCorrection } = attrs as unknown as AdamUpdateAttrs;
        const cpu = backend as unknown as { readSync(id: tf.DataId): Float32Array; write(v: Float32Array, s: number[], d: tf.DataType): tf.DataId };
        const [p, m, v, g] = (['param', 'm', 'v', 'grad'] as const).map((k) => cpu.readSync((inputs as Record<string, tf.TensorInfo>)[k]!.dataId));
        const nextM = m!.map((mi, i) => beta1 * mi + (1 - beta1) * g![i]!);
        const nextV = v!.map((vi, i) => beta2 * vi + (1 - beta2) * g![i]! ** 2);
        const nextP = p!.map((pi, i) => pi - (stepSize * nextM[i]!) / (Math.sqrt(nextV[i]!) / secondCorrection + epsilon));
        const shape = [...(inputs as Record<string, tf.TensorInfo>).param!.shape];
        return [nextP, nextM, nextV].map((values) => ({ dataId: cpu.write(values, shape, 'float32'), shape, dtype: 'float32' as const }));
      },
    });
  });
  afterAll(() => tf.unregisterKernel(ADAM_UPDATE_KERNEL, 'cpu'));

  it('updates each parameter with one kernel call, follows Adam in float64 (1e-6) and leaves no tensor behind', async () => {
    expect(hasFusedAdam()).toBe(true);
    const theta = [0.5, -1.2, 3, 0.01];
    const gradients = Array.from({ length: 20 }, (_, s) => theta.map((_, i) => Math.sin(1.7 * s + i) * (i + 1)));
    const lrs = gradients.map((_, s) => 0.01 * Math.min(1, (s + 1) / 5));
    const w = tf.variable(tf.tensor1d(theta));
    const b = tf.variable(tf.tensor1d([7]));
    const adam = createAdam(new Map([['w', w], ['b', b]]));
    const tensors = tf.memory().numTensors;
    for (const [s, g] of gradients.entries()) {
      const grads = { w: tf.tensor1d(g), b: tf.tensor1d([g[0]!]) };
      adam.apply(grads, lrs[s]!);
      tf.dispose(Object.values(grads));
    }
    expect(calls).toBe(40);
    expect(tf.memory().numTensors).toBe(tensors);
    const expected = adamReference(theta, gradients, lrs);
    (await w.data()).forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThan(1e-6));
    expect(Math.abs((await b.data())[0]! - adamReference([7], gradients.map((g) => [g[0]!]), lrs)[0]!)).toBeLessThan(1e-6);
    // The moments are the optimizer's state: they must be the kernel's m′ and v′, in that order.
    const m = theta.map(() => 0);
    const v = theta.map(() => 0);
    for (const g of gradients) g.forEach((gi, i) => ((m[i] = 0.9 * m[i]! + 0.1 * gi), (v[i] = 0.999 * v[i]! + 0.001 * gi ** 2)));
    (await adam.firstMoment.get('w')!.data()).forEach((value, i) => expect(Math.abs(value - m[i]!)).toBeLessThan(1e-6));
    (await adam.secondMoment.get('w')!.data()).forEach((value, i) => expect(Math.abs(value - v[i]!)).toBeLessThan(1e-6));
    adam.dispose();
    tf.dispose([w, b]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, hasFusedGroupNorm, type GroupNormAttrs } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compositeGroupNorm, groupNorm } from './group-norm';

/**
 * A second implementation of @cdm/core's fused GroupNorm contract, in float64 JavaScript on tfjs-cpu,
 * registered for these tests only: it checks the custom-gradient wiring of `groupNorm` (which
 * gradient goes to which input, what is saved, nothing leaked) independently of any backend's kernel.
 */
function registerReferenceKernels(): void {
  const read = (backend: unknown, t: tf.TensorInfo) => (backend as { readSync(id: tf.DataId): Float32Array }).readSync(t.dataId);
  const make = (backend: unknown, values: Float32Array, shape: number[]) => {
    const b = backend as { write(v: Float32Array, s: number[], d: tf.DataType): tf.DataId };
    return { dataId: b.write(values, shape, 'float32'), shape, dtype: 'float32' as const };
  };
  tf.registerKernel({
    kernelName: GROUP_NORM_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { groups, epsilon } = attrs as unknown as GroupNormAttrs;
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const [n, h, w, c] = x!.shape as number[];
      const xs = read(backend, x!), g = read(backend, gamma!), b = read(backend, beta!);
      const per = c! / groups, m = h! * w! * per;
      const y = new Float32Array(xs.length), mean = new Float32Array(n! * groups), rstd = new Float32Array(n! * groups);
      for (let e = 0; e < n!; e++) {
        for (let k = 0; k < groups; k++) {
          const at = (p: number, j: number) => (e * h! * w! + p) * c! + k * per + j;
          let s = 0;
          for (let p = 0; p < h! * w!; p++) for (let j = 0; j < per; j++) s += xs[at(p, j)]!;
          const mu = s / m;
          let v = 0;
          for (let p = 0; p < h! * w!; p++) for (let j = 0; j < per; j++) v += (xs[at(p, j)]! - mu) ** 2;
          const r = 1 / Math.sqrt(v / m + epsilon);
          mean[e * groups + k] = mu;
          rstd[e * groups + k] = r;
          for (let p = 0; p < h! * w!; p++) for (let j = 0; j < per; j++) y[at(p, j)] = (xs[at(p, j)]! - mu) * r * g[k * per + j]! + b[k * per + j]!;
        }
      }
      return [make(backend, y, [...x!.shape]), make(backend, mean, [n!, groups]), make(backend, rstd, [n!, groups])];
    },
  });
  tf.registerKernel({
    kernelName: GROUP_NORM_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { groups } = attrs as unknown as GroupNormAttrs;
      const { dy, x, mean, rstd, gamma } = inputs as Record<string, tf.TensorInfo>;
      const [n, h, w, c] = x!.shape as number[];
      const [dys, xs, mus, rs, g] = [dy, x, mean, rstd, gamma].map((t) => read(backend, t!)) as Float32Array[];
      const per = c! / groups, m = h! * w! * per;
      const dx = new Float32Array(xs!.length), dgamma = new Float32Array(c!), dbeta = new Float32Array(c!);
      for (let e = 0; e < n!; e++) {
        for (let k = 0; k < groups; k++) {
          const at = (p: number, j: number) => (e * h! * w! + p) * c! + k * per + j;
          const mu = mus![e * groups + k]!, r = rs![e * groups + k]!;
          // dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), written out directly over the group.
          let sumD = 0, sumDX = 0;
          for (let p = 0; p < h! * w!; p++)
            for (let j = 0; j < per; j++) {
              const xhat = (xs![at(p, j)]! - mu) * r, d = dys![at(p, j)]! * g![k * per + j]!;
              sumD += d;
              sumDX += d * xhat;
              dgamma[k * per + j]! += dys![at(p, j)]! * xhat;
              dbeta[k * per + j]! += dys![at(p, j)]!;
            }
          for (let p = 0; p < h! * w!; p++)
            for (let j = 0; j < per; j++) {
              const xhat = (xs![at(p, j)]! - mu) * r;
              dx[at(p, j)] = r * (dys![at(p, j)]! * g![k * per + j]! - sumD / m - (xhat * sumDX) / m);
            }
        }
      }
      return [make(backend, dx, [...x!.shape]), make(backend, dgamma, [c!]), make(backend, dbeta, [c!])];
    },
  });
}

describe('groupNorm on a backend with the fused kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    registerReferenceKernels();
  });
  afterAll(() => {
    tf.unregisterKernel(GROUP_NORM_KERNEL, 'cpu');
    tf.unregisterKernel(GROUP_NORM_GRAD_KERNEL, 'cpu');
  });

  const inputs = () => {
    const x = tf.randomNormal([3, 4, 5, 8], 0.5, 2, 'float32', 1) as tf.Tensor4D;
    const gamma = tf.randomNormal([8], 1, 0.3, 'float32', 2);
    const beta = tf.randomNormal([8], 0, 0.3, 'float32', 3);
    const weights = tf.randomNormal([3, 4, 5, 8], 0, 1, 'float32', 4);
    return { x, gamma, beta, weights };
  };
  const valueAndGrads = (norm: typeof groupNorm) =>
    tf.tidy(() => {
      const { x, gamma, beta, weights } = inputs();
      const y = norm(x, 4, gamma, beta);
      const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(norm(a as tf.Tensor4D, 4, g, b), weights)))([x, gamma, beta]);
      return [y, ...grads];
    });

  it('takes the fused path and agrees with the composite in value and in ∂x, ∂γ, ∂β (1e-5 relative)', async () => {
    expect(hasFusedGroupNorm()).toBe(true);
    const fused = valueAndGrads(groupNorm);
    const reference = valueAndGrads(compositeGroupNorm);
    for (let i = 0; i < 4; i++) {
      const got = await fused[i]!.data(), want = await reference[i]!.data();
      const scale = Math.max(...Array.from(want, Math.abs));
      const worst = Math.max(...Array.from(want, (v, j) => Math.abs(v - got[j]!)));
      expect(worst / scale, ['y', '∂x', '∂γ', '∂β'][i]).toBeLessThan(1e-5);
    }
    tf.dispose([...fused, ...reference]);
  });

  it('really runs the fused kernels (a sabotaged forward kernel changes the output)', async () => {
    const { x, gamma, beta, weights } = inputs();
    const before = await groupNorm(x, 4, gamma, beta).data();
    const config = tf.getKernel(GROUP_NORM_KERNEL, 'cpu')!;
    tf.unregisterKernel(GROUP_NORM_KERNEL, 'cpu');
    tf.registerKernel({ ...config, kernelFunc: (args) => (config.kernelFunc(args) as tf.TensorInfo[]).map((t, i) => (i === 0 ? (tf.engine().runKernel('ZerosLike', { x: t as tf.Tensor }) as tf.TensorInfo) : t)) });
    expect(Math.max(...Array.from(await groupNorm(x, 4, gamma, beta).data(), Math.abs))).toBe(0);
    tf.unregisterKernel(GROUP_NORM_KERNEL, 'cpu');
    tf.registerKernel(config);
    expect(Array.from(await groupNorm(x, 4, gamma, beta).data())).toEqual(Array.from(before));
    tf.dispose([x, gamma, beta, weights]);
  });

  it('leaves no tensor behind in a gradient step', () => {
    tf.dispose(valueAndGrads(groupNorm));
    const before = tf.memory().numTensors;
    tf.dispose(valueAndGrads(groupNorm));
    expect(tf.memory().numTensors).toBe(before);
  });
});

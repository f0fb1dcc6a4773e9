import * as tf from '@tensorflow/tfjs-core';
import { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, hasFusedGroupNorm } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu, seededValues } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';

const native = loadNativeAddon();
const EPSILON = 1e-5;

/** The composite GroupNorm on any backend (tf.moments), the reference for values and, by autodiff, gradients. */
function composite(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(grouped, [1, 3], true);
  const normalised = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, EPSILON))), [b, h, w, c]);
  return tf.add(tf.mul(normalised, gamma), beta) as tf.Tensor4D;
}

/** Outputs, then ∂/∂(x, γ, β) of Σ y·w for a fixed random w, through `norm`. */
function valueAndGrads(norm: typeof composite, rng: Parameters<Parameters<typeof compareWithCpu>[2]>[0], shape: [number, number, number, number], groups: number, offset = 0) {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.add(tf.tensor4d(seededValues(rng, size), shape), offset) as tf.Tensor4D;
  const gamma = tf.tensor1d(seededValues(rng, shape[3]).map((v) => 1 + v / 2));
  const beta = tf.tensor1d(seededValues(rng, shape[3]));
  const weights = tf.tensor4d(seededValues(rng, size), shape);
  const y = norm(x, groups, gamma, beta);
  const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(norm(a as tf.Tensor4D, groups, g, b), weights)))([x, gamma, beta]);
  return [y, ...grads];
}

/** The fused kernels driven directly, with the same custom-gradient wiring @cdm/unet uses. */
function fused(x: tf.Tensor4D, groups: number, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, scale, shift, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, rstd] = tf.engine().runKernel(GROUP_NORM_KERNEL, { x: input, gamma: scale, beta: shift }, { groups, epsilon: EPSILON }) as tf.Tensor[];
    save([input, mean!, rstd!, scale]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, [xs, mu, r, g]: tf.Tensor[]) => tf.engine().runKernel(GROUP_NORM_GRAD_KERNEL, { dy, x: xs!, mean: mu!, rstd: r!, gamma: g! }, { groups }) as tf.Tensor[],
    };
  })(x, gamma, beta) as tf.Tensor4D;
}

describe.skipIf(!native.available)(`native fused GroupNorm on wasm matches the composite on tfjs-cpu${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  beforeAll(() => wasmWithNativeKernels(2));

  it('registers both kernels of the @cdm/core contract on wasm, and cpu has none', () => {
    expect(hasFusedGroupNorm('wasm')).toBe(true);
    expect(hasFusedGroupNorm('cpu')).toBe(false);
  });

  const cases: { shape: [number, number, number, number]; groups: number; offset?: number }[] = [
    { shape: [2, 4, 4, 8], groups: 4 },
    { shape: [3, 5, 3, 6], groups: 6 },
    { shape: [1, 3, 3, 4], groups: 1 },
    { shape: [4, 16, 16, 64], groups: 32 },
    { shape: [2, 6, 6, 8], groups: 2, offset: 100 },
  ];
  for (const { shape, groups, offset } of cases) {
    it(`x [${shape}], ${groups} groups${offset ? `, mean ${offset}` : ''}: y, ∂x, ∂γ, ∂β`, async () => {
      // The composite runs on cpu (compareWithCpu's reference), the fused kernels on wasm.
      const { relativeError, shapes } = await compareWithCpu('wasm', 23, (rng) => valueAndGrads(tf.getBackend() === 'cpu' ? composite : fused, rng, shape, groups, offset));
      expect(shapes).toEqual([shape, shape, [shape[3]], [shape[3]]]);
      // Statistics in double against the composite's float32 moments: 1e-4 of the largest value
      // (5e-4 with a mean of 100, where the composite itself loses digits subtracting it).
      expect(relativeError).toBeLessThan(offset ? 5e-4 : 1e-4);
    });
  }

  it('leaves no tensor behind, forward or backward', () => {
    const x = tf.randomNormal([2, 4, 4, 8]) as tf.Tensor4D;
    const gamma = tf.ones([8]);
    const beta = tf.zeros([8]);
    const step = () => tf.tidy(() => tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(fused(a as tf.Tensor4D, 4, g, b)))([x, gamma, beta]));
    tf.dispose(step());
    const before = tf.memory().numTensors;
    tf.dispose(step());
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma, beta]);
  });

  it('refuses channels that do not split into the groups', () => {
    expect(() => tf.engine().runKernel(GROUP_NORM_KERNEL, { x: tf.zeros([1, 2, 2, 6]), gamma: tf.ones([6]), beta: tf.zeros([6]) }, { groups: 4, epsilon: EPSILON })).toThrow(/C a multiple of groups/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { assert, expect } from 'vitest';
import type { Backend, BackendSupport } from '../contracts/backend';
import { createRng, type Rng } from '../rng';
import { compareToReference, readValues, type Comparison } from './compare';
import * as ref from './reference-ops';
import type { NdArray } from './reference-ops';

/**
 * The individual checks behind `describeBackendConformance`, exported so a test can run one on
 * its own (for example to pin down a known bug). Each runs on tfjs' *current* backend.
 */
export interface CheckSettings {
  /** Largest allowed max |got − ref| / max |ref|. */
  readonly tolerance: number;
  /** Read with `await t.data()` only; otherwise `dataSync()` is checked too. */
  readonly asyncReadsOnly: boolean;
}

export interface BackendCheck {
  readonly name: string;
  /** Computes on the current backend; resolves to one comparison per output (it does not assert). */
  run(settings: CheckSettings): Promise<Comparison[]>;
}

/** Fails unless `backend` has a non-empty name, a finite priority and boolean capabilities. */
export function checkBackendDescription(backend: Backend): void {
  expect(typeof backend.name === 'string' && backend.name !== '', 'backend.name must be a non-empty string').toBe(true);
  expect(typeof backend.engine === 'string' && backend.engine !== '', 'backend.engine (the tfjs backend init() makes current) must be a non-empty string').toBe(true);
  expect(Number.isFinite(backend.priority), `backend.priority must be a finite number, got ${String(backend.priority)}`).toBe(true);
  for (const key of ['training', 'gpu', 'asyncReadsOnly'] as const) {
    expect(typeof backend.capabilities?.[key], `backend.capabilities.${key} must be a boolean`).toBe('boolean');
  }
  expect(typeof backend.isSupported, 'backend.isSupported must be a function').toBe('function');
  expect(typeof backend.init, 'backend.init must be a function').toBe('function');
}

/** Fails unless `support` is `{ supported: true }` or `{ supported: false, reason, install? }` with non-empty strings. */
export function checkBackendSupport(support: BackendSupport): void {
  const value: unknown = support;
  expect(typeof value === 'object' && value !== null, `isSupported() must resolve to an object, got ${String(value)}`).toBe(true);
  expect(typeof support.supported, 'isSupported() must resolve to { supported: boolean, ... }').toBe('boolean');
  if (support.supported) return;
  expect(typeof support.reason === 'string' && support.reason.trim() !== '', 'an unsupported backend must give a non-empty reason').toBe(true);
  if (support.install !== undefined) {
    expect(typeof support.install === 'string' && support.install.trim() !== '', 'install, when given, must be a non-empty string').toBe(true);
  }
}

const toTensor = (a: NdArray): tf.Tensor => tf.tensor(Float32Array.from(a.values), [...a.shape], 'float32');

/** A forward check: `build` draws inputs and returns the tfjs computation and its float64 reference. */
function forwardCheck(name: string, seed: number, build: (rng: Rng) => [() => tf.Tensor, NdArray]): BackendCheck {
  return {
    name,
    async run({ tolerance, asyncReadsOnly }) {
      const [compute, expected] = build(createRng(seed));
      const result = tf.tidy(compute);
      try {
        return [compareToReference(name, { shape: result.shape, values: await readValues(result, asyncReadsOnly) }, expected, tolerance)];
      } finally {
        result.dispose();
      }
    },
  };
}

const normal = ref.randomNormal;
const positive = (rng: Rng, shape: number[]) => ref.randomUniform(rng, shape, 0.1, 3);
const t = toTensor;
const as4d = (x: NdArray) => t(x) as tf.Tensor4D;

/** Forward ops a U-Net needs, each against its float64 reference. */
export const backendOpChecks: readonly BackendCheck[] = [
  forwardCheck('matMul [3,5]·[5,4]', 1, (rng) => {
    const [a, b] = [normal(rng, [3, 5]), normal(rng, [5, 4])];
    return [() => tf.matMul(t(a), t(b)), ref.matMul(a, b)];
  }),
  forwardCheck('matMul transposeA [5,3]ᵀ·[5,4]', 2, (rng) => {
    const [a, b] = [normal(rng, [5, 3]), normal(rng, [5, 4])];
    return [() => tf.matMul(t(a), t(b), true, false), ref.matMul(a, b, true, false)];
  }),
  forwardCheck('matMul transposeB [3,5]·[4,5]ᵀ', 3, (rng) => {
    const [a, b] = [normal(rng, [3, 5]), normal(rng, [4, 5])];
    return [() => tf.matMul(t(a), t(b), false, true), ref.matMul(a, b, false, true)];
  }),
  forwardCheck('matMul transposeA and transposeB', 4, (rng) => {
    const [a, b] = [normal(rng, [5, 3]), normal(rng, [4, 5])];
    return [() => tf.matMul(t(a), t(b), true, true), ref.matMul(a, b, true, true)];
  }),
  forwardCheck('matMul batched [2,3,5]·[2,5,4]', 5, (rng) => {
    const [a, b] = [normal(rng, [2, 3, 5]), normal(rng, [2, 5, 4])];
    return [() => tf.matMul(t(a), t(b)), ref.matMul(a, b)];
  }),
  forwardCheck("conv2d 3x3 stride 1 'same'", 6, (rng) => {
    const [x, f] = [normal(rng, [2, 6, 6, 3]), normal(rng, [3, 3, 3, 4])];
    return [() => tf.conv2d(as4d(x), as4d(f), 1, 'same'), ref.conv2d(x, f, 1, 'same')];
  }),
  forwardCheck("conv2d 3x3 stride 2 'valid'", 7, (rng) => {
    const [x, f] = [normal(rng, [2, 7, 7, 3]), normal(rng, [3, 3, 3, 4])];
    return [() => tf.conv2d(as4d(x), as4d(f), 2, 'valid'), ref.conv2d(x, f, 2, 'valid')];
  }),
  forwardCheck("conv2d 3x3 stride 2 'same' (uneven padding)", 8, (rng) => {
    const [x, f] = [normal(rng, [2, 6, 6, 3]), normal(rng, [3, 3, 3, 4])];
    return [() => tf.conv2d(as4d(x), as4d(f), 2, 'same'), ref.conv2d(x, f, 2, 'same')];
  }),
  forwardCheck('conv2d 1x1', 9, (rng) => {
    const [x, f] = [normal(rng, [2, 5, 5, 3]), normal(rng, [1, 1, 3, 6])];
    return [() => tf.conv2d(as4d(x), as4d(f), 1, 'valid'), ref.conv2d(x, f, 1, 'valid')];
  }),
  forwardCheck('add broadcasting [2,3,4,5] + [5]', 10, (rng) => {
    const [a, b] = [normal(rng, [2, 3, 4, 5]), normal(rng, [5])];
    return [() => tf.add(t(a), t(b)), ref.add(a, b)];
  }),
  forwardCheck('add broadcasting [2,1,4,1] + [3,1,5]', 11, (rng) => {
    const [a, b] = [normal(rng, [2, 1, 4, 1]), normal(rng, [3, 1, 5])];
    return [() => tf.add(t(a), t(b)), ref.add(a, b)];
  }),
  forwardCheck('mul broadcasting [2,3,4,5] * [2,1,1,5]', 12, (rng) => {
    const [a, b] = [normal(rng, [2, 3, 4, 5]), normal(rng, [2, 1, 1, 5])];
    return [() => tf.mul(t(a), t(b)), ref.mul(a, b)];
  }),
  forwardCheck('exp', 13, (rng) => {
    const a = normal(rng, [4, 7], 2);
    return [() => tf.exp(t(a)), ref.map(a, Math.exp)];
  }),
  forwardCheck('log', 14, (rng) => {
    const a = positive(rng, [4, 7]);
    return [() => tf.log(t(a)), ref.map(a, Math.log)];
  }),
  forwardCheck('sqrt', 15, (rng) => {
    const a = positive(rng, [4, 7]);
    return [() => tf.sqrt(t(a)), ref.map(a, Math.sqrt)];
  }),
  forwardCheck('sum over axes [1,2] keepDims', 16, (rng) => {
    const a = normal(rng, [2, 4, 5, 3]);
    return [() => tf.sum(t(a), [1, 2], true), ref.sum(a, [1, 2], true)];
  }),
  forwardCheck('sum over axis 0', 17, (rng) => {
    const a = normal(rng, [3, 4, 5]);
    return [() => tf.sum(t(a), 0), ref.sum(a, [0])];
  }),
  forwardCheck('mean over the last axis', 18, (rng) => {
    const a = normal(rng, [2, 4, 5, 6]);
    return [() => tf.mean(t(a), -1), ref.mean(a, [-1])];
  }),
  forwardCheck('mean over axes [1,2,3] (per example)', 19, (rng) => {
    const a = normal(rng, [3, 4, 4, 5]);
    return [() => tf.mean(t(a), [1, 2, 3]), ref.mean(a, [1, 2, 3])];
  }),
  forwardCheck('mean over everything', 20, (rng) => {
    const a = normal(rng, [3, 4, 5]);
    return [() => tf.mean(t(a)), ref.mean(a)];
  }),
  forwardCheck('softmax over the last axis', 21, (rng) => {
    const a = normal(rng, [2, 3, 16], 4);
    return [() => tf.softmax(t(a)), ref.softmax(a)];
  }),
  forwardCheck('resizeNearestNeighbor ×2 [2,3,4,2] → [6,8]', 22, (rng) => {
    const a = normal(rng, [2, 3, 4, 2]);
    return [() => tf.image.resizeNearestNeighbor(as4d(a), [6, 8]), ref.resizeNearestNeighbor(a, [6, 8])];
  }),
  forwardCheck('concat along channels (axis 3)', 23, (rng) => {
    const [a, b] = [normal(rng, [2, 3, 3, 2]), normal(rng, [2, 3, 3, 5])];
    return [() => tf.concat([t(a), t(b)], 3), ref.concat([a, b], 3)];
  }),
  forwardCheck('concat along the batch (axis 0)', 24, (rng) => {
    const [a, b] = [normal(rng, [1, 3, 3, 2]), normal(rng, [2, 3, 3, 2])];
    return [() => tf.concat([t(a), t(b)], 0), ref.concat([a, b], 0)];
  }),
  forwardCheck('transpose NHWC → NCHW', 25, (rng) => {
    const a = normal(rng, [2, 3, 4, 5]);
    return [() => tf.transpose(t(a), [0, 3, 1, 2]), ref.transpose(a, [0, 3, 1, 2])];
  }),
  forwardCheck('transpose [0,2,1,3] (attention heads)', 26, (rng) => {
    const a = normal(rng, [2, 3, 4, 5]);
    return [() => tf.transpose(t(a), [0, 2, 1, 3]), ref.transpose(a, [0, 2, 1, 3])];
  }),
  forwardCheck('gather rows (embedding lookup, repeated indices)', 27, (rng) => {
    const table = normal(rng, [6, 4]);
    const indices = [5, 0, 2, 2, 3];
    return [() => tf.gather(t(table), tf.tensor1d(indices, 'int32'), 0), ref.gather(table, indices, 0)];
  }),
  forwardCheck('gather along axis 1', 28, (rng) => {
    const a = normal(rng, [3, 5, 2]);
    const indices = [4, 1, 1];
    return [() => tf.gather(t(a), tf.tensor1d(indices, 'int32'), 1), ref.gather(a, indices, 1)];
  }),
];

/** tfjs kernels whose gradient functions the gradient checks need. */
const GRADIENT_KERNELS = ['Conv2D', 'BatchMatMul', 'Mean', 'ResizeNearestNeighbor', 'Sum', 'Multiply', 'Square', 'Reshape', 'AddN', 'Add'];

/** Fails, saying what to import, unless tfjs has gradient functions for the kernels the gradient checks use. */
export function checkGradientFunctionsRegistered(): void {
  const missing = GRADIENT_KERNELS.filter((kernel) => tf.getGradient(kernel) === undefined);
  if (missing.length > 0) {
    assert.fail(
      `tfjs has no gradient function for ${missing.join(', ')}. Import '@tensorflow/tfjs-core/dist/register_all_gradients' ` +
        `(or '@tensorflow/tfjs') in the test file, or register them in the backend's init()`,
    );
  }
}

interface GradientCase {
  readonly inputs: readonly NdArray[];
  readonly labels: readonly string[];
  /** The scalar loss in tfjs. */
  readonly loss: (xs: readonly tf.Tensor[]) => tf.Scalar;
  /** The same loss in float64. */
  readonly reference: (xs: readonly NdArray[]) => number;
}

/** A gradient check: tf.valueAndGrads of the loss against central differences of its float64 reference. */
function gradientCheck(name: string, seed: number, build: (rng: Rng) => GradientCase): BackendCheck {
  return {
    name,
    async run({ tolerance, asyncReadsOnly }) {
      const { inputs, labels, loss, reference } = build(createRng(seed));
      const xs = inputs.map(toTensor);
      let value: tf.Scalar | undefined;
      let grads: tf.Tensor[] = [];
      try {
        ({ value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => loss(args))(xs));
        const comparisons = [
          compareToReference(`${name}: loss`, { shape: [], values: await readValues(value, asyncReadsOnly) }, ref.nd([], [reference(inputs)]), tolerance),
        ];
        const expected = ref.numericGradient(reference, inputs);
        for (const [i, grad] of grads.entries()) {
          const got = { shape: grad.shape, values: await readValues(grad, asyncReadsOnly) };
          comparisons.push(compareToReference(`${name}: ∂loss/∂${labels[i]!}`, got, expected[i]!, tolerance));
        }
        return comparisons;
      } finally {
        tf.dispose([...xs, ...grads, ...(value === undefined ? [] : [value])]);
      }
    },
  };
}

/** ⟨w, y⟩ = sum(w ⊙ y): a linear loss whose gradient with respect to y is the fixed random `w`. */
const dotTf = (w: NdArray, y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(toTensor(w), y));
const dotRef = (w: NdArray, y: NdArray): number => ref.sum(ref.mul(w, y)).values[0]!;

/**
 * The gradient of nearest-neighbour ×2 upsampling for a batch of `batch` images. tfjs-cpu 4.22's
 * ResizeNearestNeighborGrad is wrong for batch > 1 (it reads dy with the image's batch stride).
 */
export function resizeNearestNeighborGradientCheck(batch = 2): BackendCheck {
  return gradientCheck(`resizeNearestNeighbor ×2 gradient, batch ${batch}`, 40 + batch, (rng) => {
    const x = normal(rng, [batch, 3, 4, 2]);
    const w = normal(rng, [batch, 6, 8, 2]);
    return {
      inputs: [x],
      labels: ['x'],
      loss: ([xt]) => dotTf(w, tf.image.resizeNearestNeighbor(xt as tf.Tensor4D, [6, 8])),
      reference: ([xr]) => dotRef(w, ref.resizeNearestNeighbor(xr!, [6, 8])),
    };
  });
}

/** Gradients a U-Net training step needs, against central finite differences in float64. */
export const backendGradientChecks: readonly BackendCheck[] = [
  gradientCheck("conv2d gradient (3x3, stride 1 and stride 2 'same')", 31, (rng) => {
    const [x, f1, f2] = [normal(rng, [2, 5, 5, 3]), normal(rng, [3, 3, 3, 4]), normal(rng, [3, 3, 3, 2])];
    const [w1, w2] = [normal(rng, [2, 5, 5, 4]), normal(rng, [2, 3, 3, 2])];
    return {
      inputs: [x, f1, f2],
      labels: ['x', 'filter (stride 1)', 'filter (stride 2)'],
      loss: ([xt, a, b]) =>
        tf.add(dotTf(w1, tf.conv2d(xt as tf.Tensor4D, a as tf.Tensor4D, 1, 'same')), dotTf(w2, tf.conv2d(xt as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))),
      reference: ([xr, a, b]) => dotRef(w1, ref.conv2d(xr!, a!, 1, 'same')) + dotRef(w2, ref.conv2d(xr!, b!, 2, 'same')),
    };
  }),
  gradientCheck('matMul gradient (transposeA, transposeB, batched)', 32, (rng) => {
    const [a, b, c, d] = [normal(rng, [4, 3]), normal(rng, [4, 5]), normal(rng, [3, 4]), normal(rng, [5, 4])];
    const [e, g] = [normal(rng, [2, 3, 4]), normal(rng, [2, 4, 5])];
    const [w1, w2] = [normal(rng, [3, 5]), normal(rng, [2, 3, 5])];
    return {
      inputs: [a, b, c, d, e, g],
      labels: ['a (transposed)', 'b', 'c', 'd (transposed)', 'batched a', 'batched b'],
      loss: ([at, bt, ct, dt, et, gt]) =>
        tf.addN([dotTf(w1, tf.matMul(at!, bt!, true, false)), dotTf(w1, tf.matMul(ct!, dt!, false, true)), dotTf(w2, tf.matMul(et!, gt!))]),
      reference: ([ar, br, cr, dr, er, gr]) =>
        dotRef(w1, ref.matMul(ar!, br!, true, false)) + dotRef(w1, ref.matMul(cr!, dr!, false, true)) + dotRef(w2, ref.matMul(er!, gr!)),
    };
  }),
  gradientCheck('mean gradient (over [1,2] and over the last axis)', 33, (rng) => {
    const x = normal(rng, [2, 4, 4, 3]);
    const [w1, w2] = [normal(rng, [2, 3]), normal(rng, [2, 4, 4])];
    return {
      inputs: [x],
      labels: ['x'],
      loss: ([xt]) => tf.add(dotTf(w1, tf.mean(xt!, [1, 2])), dotTf(w2, tf.mean(xt!, -1))),
      reference: ([xr]) => dotRef(w1, ref.mean(xr!, [1, 2])) + dotRef(w2, ref.mean(xr!, [-1])),
    };
  }),
  resizeNearestNeighborGradientCheck(2),
  gradientCheck('gradient of mean((upsample(conv2d(x, f)) · w)²), batch 2', 34, (rng) => {
    const [x, f, w] = [normal(rng, [2, 4, 4, 2]), normal(rng, [3, 3, 2, 3]), normal(rng, [3, 4])];
    return {
      inputs: [x, f, w],
      labels: ['x', 'filter', 'w'],
      loss: ([xt, ft, wt]) => {
        const up = tf.image.resizeNearestNeighbor(tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, 1, 'same'), [8, 8]);
        return tf.mean(tf.square(tf.matMul(tf.reshape(up, [-1, 3]), wt!)));
      },
      reference: ([xr, fr, wr]) => {
        const up = ref.resizeNearestNeighbor(ref.conv2d(xr!, fr!, 1, 'same'), [8, 8]);
        return ref.mean(ref.map(ref.matMul(ref.reshape(up, [128, 3]), wr!), (v) => v * v)).values[0]!;
      },
    };
  }),
];

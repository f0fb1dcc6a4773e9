import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@cdm/core';
import { codedError } from '@cdm/core/testing';
import { createAdmClassifier } from '@cdm/unet';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifierGuidance } from './classifier-guidance';
import type { NoisyClassifier } from './noisy-classifier';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A tiny ADM classifier (@cdm/unet) with every weight random, so no layer is the identity or zero. */
function randomClassifier() {
  const classifier = createAdmClassifier({
    imageSize: 8,
    modelChannels: 8,
    normGroups: 4,
    outChannels: 5,
    channelMult: [1, 2],
    numResBlocks: 1,
    attentionResolutions: [4],
    numHeadChannels: 4,
    useScaleShiftNorm: true,
    resblockUpdown: true,
    seed: 3,
  });
  const rng = createRng(11);
  for (const v of classifier.parameters().values()) {
    const values = rng.normalArray(v.size).map((z) => (v.name.includes('norm') || v.name.includes('in_layers.0') ? 1 : 0) + 0.3 * z);
    tf.tidy(() => v.assign(tf.tensor(values, v.shape, 'float32')));
  }
  return classifier;
}

/** Σ_i log softmax(f(x, t))_{y_i}, read back as a number. */
function logLikelihood(classifier: NoisyClassifier, x: tf.Tensor4D, t: tf.Tensor1D, labels: number[]): number {
  return tf.tidy(() => tf.sum(tf.mul(tf.logSoftmax(classifier.forward(x, t)), tf.oneHot(tf.tensor1d(labels, 'int32'), classifier.numClasses))).dataSync()[0]!);
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);

describe('classifierGuidance', () => {
  it('(a) its gradient matches central finite differences of log p(y | x_t) along several directions (ADM classifier)', async () => {
    const classifier = randomClassifier();
    const labels = [0, 3, 4];
    const rng = createRng(5);
    const x = tf.tensor4d(rng.normalArray(3 * 8 * 8 * 3), [3, 8, 8, 3]);
    const t = tf.tensor1d([10, 400, 900], 'int32');
    const guidance = classifierGuidance(classifier, labels, 2.5);
    expect(guidance.scale).toBe(2.5); // the scale is applied by the sampler, not folded into the gradient
    const g = guidance.gradient(x, t, undefined);
    expect(g.shape).toEqual(x.shape);
    const gradient = await g.data();
    const norm = Math.sqrt(dot(gradient, gradient));
    expect(norm).toBeGreaterThan(0.01);
    // Directions: the gradient itself (derivative = ‖g‖), and three random unit vectors.
    const directions = [Float32Array.from(gradient, (v) => v / norm), ...[0, 1, 2].map(() => {
      const v = rng.normalArray(gradient.length);
      const n = Math.sqrt(dot(v, v));
      return v.map((z) => z / n);
    })];
    const h = 0.05;
    for (const v of directions) {
      const step = tf.tensor4d(v, x.shape);
      const plus = tf.tidy(() => tf.add(x, tf.mul(step, h)) as tf.Tensor4D);
      const minus = tf.tidy(() => tf.sub(x, tf.mul(step, h)) as tf.Tensor4D);
      const finiteDifference = (logLikelihood(classifier, plus, t, labels) - logLikelihood(classifier, minus, t, labels)) / (2 * h);
      console.log('finite difference', finiteDifference, 'gradient', dot(gradient, v), 'norm', norm);
      // float32 rounding of log p (~1e-6) / 2h ≈ 1e-5, and the O(h²) truncation, stay below 1e-2·‖g‖.
      expect(Math.abs(finiteDifference - dot(gradient, v))).toBeLessThan(1e-2 * norm);
      tf.dispose([step, plus, minus]);
    }
    // Per example: image i's gradient is that of its own log p(y_i | x_i) (the batch sum does not mix them).
    const single = classifierGuidance(classifier, [3], 1).gradient(tf.slice(x, [1, 0, 0, 0], [1, 8, 8, 3]), tf.tensor1d([400], 'int32'), undefined);
    const own = Array.from(gradient.slice(192, 384));
    const alone = Array.from(await single.data());
    expect(Math.max(...alone.map((value, i) => Math.abs(value - own[i]!)))).toBeLessThan(1e-5 * Math.max(...own.map(Math.abs)));
    tf.dispose([x, t, g, single]);
    classifier.dispose();
  });

  it('(a) equals the closed form W_y − Σ_k p_k W_k for a linear softmax classifier, with t passed through', async () => {
    // logits_k = Σ_j x_j W[j, k] + b_k(t) with b_k(t) = k·t/1000: the bias needs the right t.
    const d = 2 * 2 * 1;
    const K = 3;
    const W = createRng(2).normalArray(d * K);
    const classifier: NoisyClassifier = {
      numClasses: K,
      imageSize: 2,
      channels: 1,
      forward: (x, t) =>
        tf.tidy(() => {
          const bias = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), tf.tensor2d([[0, 1e-3, 2e-3]]));
          return tf.add(tf.matMul(tf.reshape(x, [-1, d]), tf.tensor2d(W, [d, K])), bias) as tf.Tensor2D;
        }),
      parameters: () => new Map(),
    };
    const xs = [0.3, -1.2, 0.5, 2.0, -0.7, 0.1, 1.1, -0.4];
    const ts = [100, 800];
    const labels = [2, 0];
    const x = tf.tensor4d(xs, [2, 2, 2, 1]);
    const t = tf.tensor1d(ts, 'int32');
    const g = classifierGuidance(classifier, labels, 1).gradient(x, t, undefined);
    const got = await g.data();
    for (let b = 0; b < 2; b++) {
      const logits = [0, 1, 2].map((k) => xs.slice(b * d, b * d + d).reduce((s, v, j) => s + v * W[j * K + k]!, 0) + (k * ts[b]!) / 1000);
      const max = Math.max(...logits);
      const z = logits.reduce((s, l) => s + Math.exp(l - max), 0);
      const p = logits.map((l) => Math.exp(l - max) / z);
      for (let j = 0; j < d; j++) {
        const expected = W[j * K + labels[b]!]! - p.reduce((s, pk, k) => s + pk * W[j * K + k]!, 0);
        expect(Math.abs(got[b * d + j]! - expected)).toBeLessThan(1e-5);
      }
    }
    tf.dispose([x, t, g]);
  });

  it('(d) leaves no tensors behind', () => {
    const classifier = randomClassifier();
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([1, 2], 'int32');
    const guidance = classifierGuidance(classifier, [1, 2], 3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) guidance.gradient(x, t, undefined).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, t]);
    classifier.dispose();
  });

  it('(e) rejects bad scales, labels and batch sizes with coded errors', async () => {
    const classifier = randomClassifier();
    expect(await codedError(() => classifierGuidance(classifier, [0], -1))).toEqual({
      code: 'CDM_INVALID_ARGUMENT',
      message: 'Invalid classifierScale: expected a finite number ≥ 0, got -1 [CDM_INVALID_ARGUMENT]',
    });
    expect((await codedError(() => classifierGuidance(classifier, [0], Number.NaN))).message).toMatch(/Invalid classifierScale/);
    expect((await codedError(() => classifierGuidance(classifier, [0, 5], 1))).message).toBe(
      'Invalid labels[1]: expected class indices 0…4 of the classifier, one per image, got 5 [CDM_INVALID_ARGUMENT]',
    );
    expect((await codedError(() => classifierGuidance(classifier, [], 1))).message).toMatch(/Invalid labels: expected class indices 0…4/);
    const x = tf.zeros([3, 8, 8, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([1, 2, 3], 'int32');
    expect(await codedError(() => classifierGuidance(classifier, [0, 1], 1).gradient(x, t, undefined))).toEqual({
      code: 'CDM_SHAPE_MISMATCH',
      message: 'x (classifier guidance) has shape [3, 8, 8, 3], expected [2, …]: one image per label [CDM_SHAPE_MISMATCH]',
    });
    tf.dispose([x, t]);
    classifier.dispose();
  });
});

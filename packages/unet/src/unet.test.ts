import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { isCdmError } from '@cdm/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UnetConfig } from './config';
import { createAdmUnet, type AdmUnet } from './unet';

/** A network small enough for the cpu backend's gradients: every block kind, 16 groups of 2. */
const TINY: UnetConfig = {
  imageSize: 8,
  modelChannels: 16,
  normGroups: 8,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [4],
  numHeads: 2,
  useScaleShiftNorm: true,
  resblockUpdown: true,
  learnSigma: true,
  numClasses: 3,
  classifierFreeGuidance: true,
  superRes: { upsample: 'bicubic' },
  augLevelEmbedding: true,
  seed: 5,
};

const models: AdmUnet[] = [];
const build = (config: UnetConfig, options?: Parameters<typeof createAdmUnet>[1]) => {
  const m = createAdmUnet(config, options);
  models.push(m);
  return m;
};

function inputs(b: number, size: number, seed = 1) {
  const noise = (shape: number[], s: number) => tf.tidy(() => tf.reshape(tf.sin(tf.mul(tf.range(0, shape.reduce((a, c) => a * c, 1)), s)), shape));
  return {
    x: noise([b, size, size, 3], 0.37 * seed) as tf.Tensor4D,
    t: tf.tensor1d(Array.from({ length: b }, (_, i) => (i * 97 + 3) % 1000), 'int32'),
    cond: {
      classLabels: tf.tensor1d(Array.from({ length: b }, (_, i) => i % 4), 'int32'),
      lowRes: noise([b, size / 2, size / 2, 3], 0.11 * seed) as tf.Tensor4D,
      augLevel: tf.tensor1d(Array.from({ length: b }, (_, i) => i * 50), 'float32'),
    },
  };
}

/** Gives every parameter, the zero-initialised convs included, deterministic non-trivial values. */
function randomize(model: AdmUnet) {
  let k = 0;
  for (const v of model.parameters().values()) {
    k += 1;
    tf.tidy(() => v.assign(tf.mul(tf.reshape(tf.sin(tf.add(tf.mul(tf.range(0, v.size), 0.7 + k * 0.013), k)), v.shape), 0.3)));
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  for (const m of models.splice(0)) m.dispose();
});

describe('createAdmUnet', () => {
  it('implements the Denoiser contract with named variables', () => {
    const model = build(TINY);
    expect(model.output).toBe('eps');
    expect(model.learnSigma).toBe(true);
    expect(model.channels).toBe(3);
    const params = model.parameters();
    expect(params.size).toBe(model.architecture.parameters.length);
    let total = 0;
    for (const [name, v] of params) {
      expect(v.name.endsWith(`/${name}`)).toBe(true);
      expect(v.trainable).toBe(true);
      total += v.size;
    }
    expect(total).toBe(model.parameterCount);
  });

  it('outputs zeros at initialisation (zero-initialised output conv) with the right shape, without leaking', () => {
    const model = build(TINY);
    for (const spec of model.architecture.parameters) {
      if (spec.init.kind === 'zeros' && /out_layers\.3|proj_out|out\.2/.test(spec.name)) {
        expect(model.parameters().get(spec.name)!.dataSync().every((v) => v === 0)).toBe(true);
      }
    }
    const { x, t, cond } = inputs(2, 8);
    const before = tf.memory().numTensors;
    const y = model.forward(x, t, cond);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual([2, 8, 8, 6]);
    expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, t, cond, y]);
  });

  it('initialises deterministically from the seed', () => {
    const a = build(TINY);
    const b = build(TINY);
    const c = build({ ...TINY, seed: 6 });
    const w = (m: AdmUnet) => Array.from(m.parameters().get('input_blocks.1.0.in_layers.2.weight')!.dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    // PyTorch's default bound: U(±1/√fan_in) with fan_in = 16·3·3.
    const bound = 1 / Math.sqrt(16 * 9);
    expect(Math.max(...w(a).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w(a).map(Math.abs))).toBeGreaterThan(0.9 * bound);
    const label = Array.from(a.parameters().get('label_emb.weight')!.dataSync());
    const mean = label.reduce((s, v) => s + v, 0) / label.length;
    const sd = Math.sqrt(label.reduce((s, v) => s + (v - mean) ** 2, 0) / label.length);
    expect(Math.abs(mean)).toBeLessThan(0.1); // N(0, 1) over 4·64 = 256 values
    expect(Math.abs(sd - 1)).toBeLessThan(0.15);
    expect(Array.from(a.parameters().get('middle_block.0.in_layers.0.weight')!.dataSync()).every((v) => v === 1)).toBe(true);
  });

  it('sends a gradient to every parameter (no dead branches)', () => {
    const model = build({ ...TINY, dropout: 0.2 });
    randomize(model);
    const { x, t, cond } = inputs(2, 8);
    const weights = tf.tidy(() => tf.reshape(tf.sin(tf.range(0, 2 * 8 * 8 * 6)), [2, 8, 8, 6]));
    const variables = [...model.parameters().values()];
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.forward(x, t, cond, { training: true }), weights)) as tf.Scalar, variables);
    const dead: string[] = [];
    for (const [name, v] of model.parameters()) {
      const g = grads[v.name];
      const values = g === undefined ? [] : Array.from(g.dataSync());
      if (values.length !== v.size || !values.every(Number.isFinite) || values.every((e) => e === 0)) dead.push(name);
    }
    expect(dead).toEqual([]);
    // The null-class row gets no gradient unless a label uses it; labels 0 and 1 reach only their rows.
    const labelGrad = grads[model.parameters().get('label_emb.weight')!.name]!.arraySync() as number[][];
    expect(labelGrad.map((row) => row.some((e) => e !== 0))).toEqual([true, true, false, false]);
    tf.dispose([x, t, cond, weights, value, grads]);
  });

  it('applies dropout only in training mode', () => {
    const withDropout = build({ ...TINY, dropout: 0.5 });
    const without = build({ ...TINY, dropout: 0 });
    randomize(withDropout);
    randomize(without);
    const { x, t, cond } = inputs(1, 8);
    const [evalA, evalB, reference, trainA, trainB] = [
      withDropout.forward(x, t, cond),
      withDropout.forward(x, t, cond, { training: false }),
      without.forward(x, t, cond, { training: true }),
      withDropout.forward(x, t, cond, { training: true }),
      withDropout.forward(x, t, cond, { training: true }),
    ].map((y) => Array.from(y.dataSync()));
    expect(evalA).toEqual(evalB);
    expect(evalA).toEqual(reference); // dropout 0 in training mode is the same network in eval mode
    expect(trainA).not.toEqual(evalA);
    expect(trainA).not.toEqual(trainB); // a fresh mask each call
    tf.dispose([x, t, cond]);
  });

  it('rejects missing or misshapen conditioning with coded errors', () => {
    const model = build(TINY);
    const { x, t, cond } = inputs(2, 8);
    const fails = (fn: () => unknown, code: string, text: string) => {
      try {
        fn();
      } catch (error) {
        expect(isCdmError(error) && error.code).toBe(code);
        expect((error as Error).message).toContain(text);
        return;
      }
      expect.unreachable(`expected ${code}`);
    };
    fails(() => model.forward(x, t, { lowRes: cond.lowRes, augLevel: cond.augLevel }), 'CDM_INVALID_ARGUMENT', 'cond.classLabels');
    fails(() => model.forward(x, t, { classLabels: cond.classLabels, augLevel: cond.augLevel }), 'CDM_INVALID_ARGUMENT', 'cond.lowRes');
    fails(() => model.forward(x, t, { classLabels: cond.classLabels, lowRes: cond.lowRes }), 'CDM_INVALID_ARGUMENT', 'cond.augLevel');
    fails(() => model.forward(x, tf.tensor1d([1], 'int32'), cond), 'CDM_SHAPE_MISMATCH', 't has shape [1], expected [2]');
    fails(() => model.forward(tf.zeros([2, 7, 7, 3]), t, cond), 'CDM_SHAPE_MISMATCH', 'multiples of 2');
    fails(() => model.forward(tf.zeros([2, 8, 8, 4]), t, cond), 'CDM_SHAPE_MISMATCH', '[B, H, W, 3]');
    const base = build({ imageSize: 8, modelChannels: 16, normGroups: 8, channelMult: [1], numResBlocks: 1 });
    fails(() => base.forward(x, t, cond), 'CDM_INVALID_ARGUMENT', 'config.numClasses is null');
    tf.dispose([x, t, cond]);
  });

  it('accepts the low-resolution image already at the stage resolution', () => {
    const model = build({ ...TINY, superRes: { upsample: 'bilinear' } });
    randomize(model);
    const { x, t, cond } = inputs(1, 8);
    const upsampled = tf.image.resizeBilinear(cond.lowRes, [8, 8], false, true);
    const a = model.forward(x, t, cond);
    const b = model.forward(x, t, { ...cond, lowRes: upsampled });
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-4); // tfjs' half-pixel bilinear is PyTorch's align_corners=False
    tf.dispose([x, t, cond, upsampled, a, b]);
  });
});

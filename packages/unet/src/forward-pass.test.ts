import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type DenoiserCallOptions } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnetConfig } from './config';
import { forwardPass, type ForwardPlan } from './forward-pass';
import { parameterLookup } from './parameter-variables';
import { createAdmUnet, type AdmUnet } from './unet';

// Every block kind: conv-only and resample blocks (no embedding), residual blocks with scale-shift
// norm, attention, up/down residual blocks, super-resolution and augmentation-level conditioning.
const CONFIG: UnetConfig = {
  imageSize: 8,
  modelChannels: 16,
  normGroups: 8,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [4],
  numHeads: 2,
  useScaleShiftNorm: true,
  resblockUpdown: false,
  convResample: true,
  learnSigma: true,
  numClasses: 3,
  classifierFreeGuidance: true,
  superRes: { upsample: 'bicubic' },
  augLevelEmbedding: true,
  dropout: 0.3,
  seed: 5,
};
const B = 3;

/** Deterministic non-trivial values for every parameter (the zero-initialised convs included). */
function randomize(model: AdmUnet): void {
  let k = 0;
  for (const v of model.parameters().values()) {
    k += 1;
    tf.tidy(() => v.assign(tf.mul(tf.reshape(tf.sin(tf.add(tf.mul(tf.range(0, v.size), 0.7 + k * 0.013), k)), v.shape), 0.3)));
  }
}

const models: AdmUnet[] = [];
const build = (gradientCheckpointing = false, config: UnetConfig = CONFIG) => {
  const model = createAdmUnet(config, { gradientCheckpointing });
  randomize(model);
  models.push(model);
  return model;
};
let x: tf.Tensor4D, t: tf.Tensor1D, cond: { classLabels: tf.Tensor1D; lowRes: tf.Tensor4D; augLevel: tf.Tensor1D };

beforeAll(async () => {
  await tf.setBackend('cpu');
  x = tf.tidy(() => tf.reshape(tf.sin(tf.mul(tf.range(0, B * 8 * 8 * 3), 0.37)), [B, 8, 8, 3]) as tf.Tensor4D);
  t = tf.tensor1d([3, 400, 999], 'int32');
  cond = {
    classLabels: tf.tensor1d([0, 2, 3], 'int32'),
    lowRes: tf.tidy(() => tf.reshape(tf.cos(tf.mul(tf.range(0, B * 4 * 4 * 3), 0.11)), [B, 4, 4, 3]) as tf.Tensor4D),
    augLevel: tf.tensor1d([0, 50, 250]),
  };
});
afterAll(() => {
  models.forEach((m) => m.dispose());
  tf.dispose([x, t, cond.classLabels, cond.lowRes, cond.augLevel]);
});

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
const largest = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));

describe('the inference path frees activations as it goes', () => {
  const run = (model: AdmUnet, plan: ForwardPlan) => {
    const rng = createRng(1);
    const param = parameterLookup(model.parameters());
    let output: Float32Array | undefined;
    return tf
      .profile(() =>
        tf.tidy(() => {
          output = forwardPass(model.config, model.architecture, param, rng, x, t, cond, {}, plan).dataSync() as Float32Array;
        }),
      )
      .then((info) => ({ output: output!, peakBytes: info.peakBytes, newTensors: info.newTensors }));
  };

  it('gives the same output, bit for bit, as the pass that keeps every activation, at under half its peak memory', async () => {
    const model = build();
    const kept = await run(model, { release: false, fuseBias: true, checkpoint: false });
    const released = await run(model, { release: true, fuseBias: true, checkpoint: false });
    expect(Array.from(released.output)).toEqual(Array.from(kept.output));
    expect(released.peakBytes).toBeLessThan(0.5 * kept.peakBytes);
  });

  it('forward() in inference leaves only its output behind', () => {
    const model = build();
    const before = tf.memory().numTensors;
    const y = model.forward(x, t, cond);
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
  });
});

describe('the training path frees what the backward pass does not need as it goes', () => {
  /** A training forward (dropout on) and backward under `plan`: the loss and every gradient; checks that nothing leaks. */
  const train = (model: AdmUnet, plan: ForwardPlan) => {
    const param = parameterLookup(model.parameters());
    const variables = [...model.parameters().values()];
    const before = tf.memory().numTensors;
    const rng = createRng(1);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(forwardPass(model.config, model.architecture, param, rng, x, t, cond, { training: true }, plan))) as tf.Scalar,
      variables,
    );
    const result = { loss: value.dataSync()[0]!, grads: variables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
    tf.dispose([value, grads]);
    expect(tf.memory().numTensors).toBe(before);
    return result;
  };

  it('gives the loss and gradients of the pass that keeps every activation, bit for bit', () => {
    const model = build();
    const kept = train(model, { release: false, fuseBias: false, checkpoint: false });
    const released = train(model, { release: true, fuseBias: false, checkpoint: false });
    expect(released.loss).toBe(kept.loss);
    kept.grads.forEach((g, i) => expect(Buffer.from(released.grads[i]!.buffer).equals(Buffer.from(g.buffer))).toBe(true));
  });
});

describe('gradient checkpointing', () => {
  /** One training step's loss and the gradients of x and of every parameter (one backward pass). */
  const step = (model: AdmUnet, callOptions: DenoiserCallOptions = { training: true }) => {
    const weights = tf.tidy(() => tf.reshape(tf.sin(tf.range(0, B * 8 * 8 * 6)), [B, 8, 8, 6]));
    const variables = [...model.parameters().values()];
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(model.forward(input as tf.Tensor4D, t, cond, callOptions), weights)) as tf.Scalar;
    const { value, grads } = tf.valueAndGrads((input: tf.Tensor, ..._params: tf.Tensor[]) => loss(input))([x, ...variables]);
    const result = { loss: value.dataSync()[0]!, dx: grads[0]!.dataSync() as Float32Array, grads: grads.slice(1).map((g) => g.dataSync() as Float32Array) };
    tf.dispose([weights, value, ...grads]);
    return result;
  };

  it('gives the gradients of the plain pass (float32: within 1e-5 of each tensor’s largest value), with the same dropout masks, over two steps', () => {
    const plain = build(false);
    const checkpointed = build(true);
    for (let s = 0; s < 2; s++) {
      const a = step(plain);
      const b = step(checkpointed);
      expect(b.loss).toBe(a.loss); // the forward is the same computation, dropout masks included
      expect(maxDifference(b.dx, a.dx)).toBeLessThanOrEqual(1e-5 * largest(a.dx));
      a.grads.forEach((g, i) => expect(maxDifference(b.grads[i]!, g)).toBeLessThanOrEqual(1e-5 * Math.max(largest(g), 1e-12)));
    }
    expect(checkpointed.randomState!()).toEqual(plain.randomState!()); // the backward replays, it does not draw
  });

  /** The peak tensor memory of one training forward and backward; checks that nothing leaks. */
  const peak = async (model: AdmUnet, callOptions: DenoiserCallOptions = { training: true }) => {
    const variables = [...model.parameters().values()];
    const before = tf.memory().numTensors;
    const info = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.forward(x, t, cond, callOptions))) as tf.Scalar, variables);
      tf.dispose([value, grads]);
    });
    expect(tf.memory().numTensors).toBe(before);
    return info.peakBytes;
  };

  it('holds far less between forward and backward, and leaks nothing', async () => {
    const plain = await peak(build(false));
    const checkpointed = await peak(build(true));
    expect(checkpointed).toBeLessThan(0.6 * plain);
  });

  describe('asked for per call ({ training: true, gradientCheckpointing: true }) on a network built without it', () => {
    const perCall: DenoiserCallOptions = { training: true, gradientCheckpointing: true };

    it('gives the plain pass’s loss and gradients (within 1e-5 of each tensor’s largest value) and dropout masks, over two steps', () => {
      const plain = build(false);
      const asked = build(false);
      for (let s = 0; s < 2; s++) {
        const a = step(plain);
        const b = step(asked, perCall);
        expect(b.loss).toBe(a.loss);
        expect(maxDifference(b.dx, a.dx)).toBeLessThanOrEqual(1e-5 * largest(a.dx));
        a.grads.forEach((g, i) => expect(maxDifference(b.grads[i]!, g)).toBeLessThanOrEqual(1e-5 * Math.max(largest(g), 1e-12)));
      }
      expect(asked.randomState!()).toEqual(plain.randomState!());
    });

    it('holds far less between forward and backward, and leaks nothing', async () => {
      const model = build(false);
      const plain = await peak(model);
      const asked = await peak(model, perCall);
      expect(asked).toBeLessThan(0.6 * plain);
      // The hint lasts for its call only: the next plain training forward keeps everything again.
      expect(await peak(model)).toBe(plain);
    });

    it('does not turn off the create-time option, and changes nothing in inference', async () => {
      const built = build(true);
      expect(await peak(built, { training: true, gradientCheckpointing: false })).toBe(await peak(built));
      const model = build(false);
      const [a, b] = [model.forward(x, t, cond), model.forward(x, t, cond, { gradientCheckpointing: true })];
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([a, b]);
    });
  });

  it('changes nothing in inference', () => {
    const plain = build(false);
    const checkpointed = build(true);
    const [a, b] = [plain.forward(x, t, cond), checkpointed.forward(x, t, cond)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
  });
});

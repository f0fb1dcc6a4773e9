import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, isCdmError, type AugmentationPolicy } from '@cdm/core';
import { describeAugmentationConformance, makeLowRes } from '@cdm/core/testing';
import { compose } from './compose';
import { gaussianBlur } from './gaussian-blur';
import { gaussianNoise } from './gaussian-noise';
import { none } from './none';

const cosine = { name: 'cosine', numTimesteps: 1000 } as const;

/** Adds `offset` to the image and reports `levels` (per example, cycled): makes order and levels visible. */
const marker = (name: string, offset: number, levels: readonly number[]): AugmentationPolicy => {
  const run = (x: tf.Tensor4D) => ({
    image: tf.tidy(() => tf.add(x, offset)) as tf.Tensor4D,
    level: tf.tensor1d(Array.from({ length: x.shape[0] }, (_, i) => levels[i % levels.length]!), 'float32'),
  });
  return { name, train: run, sample: run };
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('compose', () => {
  it('applies the policies in order and keeps, per example, the level of the last one that reports a non-zero level', async () => {
    const policy = compose(marker('a', 1, [5, 0, 7]), marker('b', 10, [0, 0, 9]), marker('c', 100, [0]));
    expect(policy.name).toBe('compose(a, b, c)');
    const x = tf.zeros([3, 2, 2, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (const result of [policy.train(x, { rng: createRng(0) }), policy.sample(x, { rng: createRng(0) }, { level: 3, handover: 'clean' })]) {
      expect(new Set(await result.image.data())).toEqual(new Set([111]));
      expect(Array.from(await result.level.data())).toEqual([5, 0, 9]);
      tf.dispose([result.image, result.level]);
    }
    expect(tf.memory().numTensors, 'intermediate images and levels are disposed').toBe(before);
    x.dispose();
  });

  it('blur then noise equals noise applied to the blurred image with the rng where the blur left it, at the noise level', async () => {
    const blur = () => gaussianBlur({ probability: 1 });
    const noise = () => gaussianNoise({ maxLevel: 300, schedule: cosine });
    const x = makeLowRes(4);
    const composed = compose(blur(), noise()).train(x, { rng: createRng(12) });
    const rng = createRng(12);
    const blurred = blur().train(x, { rng });
    const noised = noise().train(blurred.image, { rng });
    expect(Array.from(await composed.image.data())).toEqual(Array.from(await noised.image.data()));
    expect(Array.from(await composed.level.data())).toEqual(Array.from(await noised.level.data()));
    tf.dispose([x, composed.image, composed.level, blurred.image, blurred.level, noised.image, noised.level]);
  });

  it('passes the sample parameters to every policy: a truncated hand-over stays un-noised and keeps its level', async () => {
    const x = makeLowRes(2);
    const policy = compose(gaussianBlur({ probability: 1 }), gaussianNoise({ maxLevel: 300, schedule: cosine }));
    const result = policy.sample(x, { rng: createRng(1) }, { level: 120, handover: 'truncated' });
    expect(Array.from(await result.image.data())).toEqual(Array.from(await x.data()));
    expect(Array.from(await result.level.data())).toEqual([120, 120]);
    tf.dispose([x, result.image, result.level]);
  });

  it('wraps a failing policy with its name and hook, and leaks nothing', () => {
    const failing: AugmentationPolicy = {
      name: 'broken',
      train: () => {
        throw new Error('out of paint');
      },
      sample: () => {
        throw new Error('out of paint');
      },
    };
    const x = makeLowRes(2);
    const before = tf.memory().numTensors;
    let thrown: unknown;
    try {
      compose(marker('a', 1, [2]), failing).train(x, { rng: createRng(0) });
    } catch (error) {
      thrown = error;
    }
    expect(isCdmError(thrown, 'CDM_PLUGIN_FAILED')).toBe(true);
    expect((thrown as Error).message).toMatch(/augmentation policy "broken" failed in train: out of paint/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('refuses something that is not a policy', () => {
    expect(() => compose(none(), { name: 'half' } as never)).toThrow(/Invalid compose policy 1: expected an AugmentationPolicy/);
  });

  it('with no policies, and none(), hand the image over unchanged at level 0', async () => {
    const x = makeLowRes(2);
    for (const policy of [compose(), none()]) {
      for (const result of [policy.train(x, { rng: createRng(0) }), policy.sample(x, { rng: createRng(0) }, { level: 4, handover: 'clean' })]) {
        expect(result.image).not.toBe(x);
        expect(Array.from(await result.image.data())).toEqual(Array.from(await x.data()));
        expect(Array.from(await result.level.data())).toEqual([0, 0]);
        tf.dispose([result.image, result.level]);
      }
    }
    x.dispose();
  });
});

describeAugmentationConformance('none', () => none(), { levels: [0, 10] });
describeAugmentationConformance('compose()', () => compose());
describeAugmentationConformance(
  'compose(gaussian-blur, gaussian-noise)',
  () => compose(gaussianBlur(), gaussianNoise({ maxLevel: 250, schedule: cosine })),
  { levels: [0, 250] },
);

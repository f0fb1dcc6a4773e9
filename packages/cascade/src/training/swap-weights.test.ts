import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withWeights } from './swap-weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('withWeights', () => {
  it('holds the other weights during the call and the very same values after it, also when the call throws', async () => {
    const original = Float32Array.of(0.1, -0.2, 1 / 3);
    const parameters = new Map([['w', tf.variable(tf.tensor1d(original))]]);
    const other = new Map([['w', tf.variable(tf.tensor1d([7, 8, 9]), false)]]);
    const before = tf.memory().numTensors;
    const inside = await withWeights(parameters, other, async () => Array.from(await parameters.get('w')!.data()));
    expect(inside).toEqual([7, 8, 9]);
    expect(await parameters.get('w')!.data()).toEqual(original);
    await expect(
      withWeights(parameters, other, async () => {
        throw new Error('hook failed');
      }),
    ).rejects.toThrow('hook failed');
    expect(await parameters.get('w')!.data()).toEqual(original);
    expect(await other.get('w')!.data()).toEqual(Float32Array.of(7, 8, 9));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...parameters.values(), ...other.values()]);
  });
});

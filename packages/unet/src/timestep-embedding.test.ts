import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { timestepEmbedding } from './timestep-embedding';

describe('timestepEmbedding', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is [cos(t·f), sin(t·f)] with f_i = 10000^(−i/half), zero-padded for odd widths', async () => {
    const t = tf.tensor1d([0, 3, 999], 'int32');
    const dim = 7;
    const e = await timestepEmbedding(t, dim).array();
    const half = 3;
    [0, 3, 999].forEach((step, row) => {
      for (let i = 0; i < half; i++) {
        const arg = step * Math.exp((-Math.log(10000) * i) / half); // float64 closed form
        expect(e[row]![i]).toBeCloseTo(Math.cos(arg), 3);
        expect(e[row]![half + i]).toBeCloseTo(Math.sin(arg), 3);
      }
      expect(e[row]![6]).toBe(0);
    });
    t.dispose();
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { downsampleArea } from './downsample-area';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('downsampleArea', () => {
  it('averages each factor×factor block and rejects non-integer factors', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    const down = downsampleArea(x, 2);
    expect(Array.from(await down.data())).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect(() => downsampleArea(x, 3)).toThrow(/divides 4×4 by an integer factor/);
    tf.dispose([x, down]);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { add } from './add';

const seeded = (shape: number[], k: number) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.61 + k) * 2), shape);
const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer);

describe('add: tf.add whose gradient keeps no tensors', () => {
  beforeAll(() => tf.setBackend('cpu'));

  // Same shapes (residual), a bias over channels, a per-image scale-shift, a broadcast on both sides.
  const cases: [number[], number[]][] = [
    [[2, 4, 4, 6], [2, 4, 4, 6]],
    [[2, 4, 4, 6], [6]],
    [[2, 4, 4, 6], [2, 1, 1, 6]],
    [[3, 1, 5], [1, 4, 5]],
  ];
  for (const [sa, sb] of cases) {
    it(`[${sa}] + [${sb}]: tf.add's value and gradients bit for bit, and nothing saved`, () => {
      const a = seeded(sa, 1);
      const b = seeded(sb, 2);
      const w = seeded(tf.backend_util.assertAndGetBroadcastShape(sa, sb), 3);
      const through = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => {
        let saved = -1;
        const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => {
          const sum = f(x, y);
          const tape = (tf.engine().state as unknown as { activeTape: { saved?: tf.Tensor[] }[] }).activeTape;
          saved = tape.at(-1)!.saved?.length ?? 0;
          return tf.sum(tf.mul(sum, w));
        })([a, b]);
        const result = { value: bytes(value), grads: grads.map(bytes), saved };
        tf.dispose([value, ...grads]);
        return result;
      };
      const want = through((x, y) => tf.add(x, y));
      const got = through((x, y) => add(x, y));
      expect(got.value.equals(want.value)).toBe(true);
      got.grads.forEach((g, i) => expect(g.equals(want.grads[i]!)).toBe(true));
      expect(want.saved).toBe(2); // tfjs' Add keeps both inputs
      expect(got.saved).toBe(0);
      tf.dispose([a, b, w]);
    });
  }

  it('is plain tf.add outside a gradient tape', () => {
    const [a, b] = [tf.ones([2, 3]), tf.ones([3])];
    const before = tf.memory().numTensors;
    const y = add(a, b);
    expect(Array.from(y.dataSync())).toEqual([2, 2, 2, 2, 2, 2]);
    expect(tf.memory().numTensors).toBe(before + 1); // the sum, nothing else
    tf.dispose([a, b, y]);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { createEma } from './ema';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('averages with d_n = min(decay, (1 + n)/(10 + n)) when warming up, and with the plain decay otherwise (float64, 1e-6)', async () => {
  for (const warmup of [true, false]) {
    const p = tf.variable(tf.scalar(0));
    const ema = createEma(new Map([['p', p]]), { decay: 0.9, warmup });
    let reference = 0;
    for (let n = 0; n < 30; n++) {
      const value = Math.cos(n);
      p.assign(tf.scalar(value));
      const d = warmup ? Math.min(0.9, (1 + n) / (10 + n)) : 0.9;
      expect(ema.nextDecay()).toBe(d);
      ema.update();
      reference = d * reference + (1 - d) * value;
    }
    expect(ema.updates).toBe(30);
    expect(Math.abs((await ema.weights.get('p')!.data())[0]! - reference)).toBeLessThan(1e-6);
    ema.dispose();
    p.dispose();
  }
});

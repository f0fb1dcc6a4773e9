import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { cpuConv2DBackpropFilter } from './cpu-conv-filter-grad';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('computes what tfjs-cpu’s own Conv2DBackpropFilter computes (1e-4 relative), for same/valid padding and strides 1 and 2', async () => {
  const shipped = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')!;
  const ours = cpuConv2DBackpropFilter();
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 9 * 7 * 3 }, (_, i) => Math.sin(0.3 * i)), [2, 9, 7, 3]);
  for (const [strides, pad] of [
    [1, 'same'],
    [2, 'same'],
    [1, 'valid'],
    [2, 'valid'],
  ] as const) {
    const filterShape: [number, number, number, number] = [3, 3, 3, 5];
    const outShape = tf.conv2d(x, tf.zeros(filterShape), strides, pad).shape;
    const dy = tf.tensor4d(Float32Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(0.11 * i)), outShape);
    const run = (config: tf.KernelConfig) => {
      const backend = tf.backend();
      const info = config.kernelFunc({ inputs: { x, dy }, backend, attrs: { strides, pad, dataFormat: 'NHWC', filterShape } }) as tf.TensorInfo;
      const values = Float32Array.from(backend.readSync(info.dataId) as Float32Array);
      backend.disposeData(info.dataId);
      return values;
    };
    const a = run(shipped);
    const b = run(ours);
    const scale = Math.max(...a.map(Math.abs));
    a.forEach((v, i) => expect(Math.abs(v - b[i]!) / scale, `${strides} ${pad} [${i}]`).toBeLessThan(1e-4));
    dy.dispose();
  }
  x.dispose();
});

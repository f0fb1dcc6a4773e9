import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { webgpuAddN } from './add-n';

describe('webgpuAddN', () => {
  it('sums any number of inputs with at most `perShader` per call of the shipped kernel, and frees its partial sums', async () => {
    await tf.setBackend('cpu');
    const shipped = tf.getKernel(tf.AddN, 'cpu')!.kernelFunc;
    const widths: number[] = [];
    const counting: tf.KernelFunc = (args) => {
      widths.push((args.inputs as unknown as unknown[]).length);
      return shipped(args);
    };
    tf.unregisterKernel(tf.AddN, 'cpu');
    tf.registerKernel(webgpuAddN(counting, 'cpu', 3));
    try {
      const terms = Array.from({ length: 11 }, (_, i) => tf.fill([4], i + 1));
      const before = tf.memory().numTensors;
      const sum = tf.addN(terms);
      expect(Array.from(await sum.data())).toEqual([66, 66, 66, 66]);
      expect(Math.max(...widths)).toBeLessThanOrEqual(3);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(tf.memory().numBytes).toBe((before + 1) * 16);
      tf.dispose([...terms, sum]);
    } finally {
      tf.unregisterKernel(tf.AddN, 'cpu');
      tf.registerKernel({ kernelName: tf.AddN, backendName: 'cpu', kernelFunc: shipped });
    }
  });
});

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, isCdmError } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { proceduralDataset } from '../datasets';
import { useFastCpuConvFilterGrad } from '../testing/cpu-conv-filter-grad';
import { renderProceduralExamples } from './procedural-examples';
import { createSmallConvnet } from './small-convnet';
import { trainSmallConvnet, warmupCosineLr } from './train-small-convnet';

beforeAll(async () => {
  await tf.setBackend('cpu');
  useFastCpuConvFilterGrad();
});

const config = { imageSize: 8, channels: [4, 8], hidden: 8, numClasses: 3, seed: 1 };
const data = (() => {
  const rng = createRng(2);
  // Image i is channel (i mod 3) lifted by 0.5, plus unit noise: its label.
  const images = Float32Array.from({ length: 12 * 8 * 8 * 3 }, (_, j) => rng.normal() + (j % 3 === Math.floor(j / 192) % 3 ? 0.5 : 0));
  return { images, labels: Int32Array.from({ length: 12 }, (_, i) => i % 3), count: 12 };
})();

describe('warmupCosineLr', () => {
  it('rises linearly over the warmup, then follows half a cosine down to 0', () => {
    expect(warmupCosineLr(0, 100, 10, 1)).toBeCloseTo(0.1, 12);
    expect(warmupCosineLr(9, 100, 10, 1)).toBeCloseTo(1, 12);
    expect(warmupCosineLr(10, 100, 10, 1)).toBeCloseTo(1, 12);
    expect(warmupCosineLr(55, 100, 10, 1)).toBeCloseTo(0.5, 12); // halfway through the decay: cos(π/2) = 0
    expect(warmupCosineLr(100, 100, 10, 1)).toBeCloseTo(0, 12);
  });
});

describe('trainSmallConvnet', () => {
  it('lowers the loss, is reproducible with a seed, and leaks no tensors', async () => {
    const run = async () => {
      const net = createSmallConvnet(config);
      const before = tf.memory().numTensors;
      const result = await trainSmallConvnet({ net, data, epochs: 8, batchSize: 4, lr: 1e-2, seed: 3 });
      expect(tf.memory().numTensors).toBe(before);
      const weights = Array.from(net.parameters().get('out.weight')!.dataSync());
      net.dispose();
      return { result, weights };
    };
    const a = await run();
    const b = await run();
    expect(a.result.steps).toBe(24);
    expect(a.result.epochLosses.at(-1)!).toBeLessThan(a.result.epochLosses[0]! * 0.7); 
    expect(b.weights).toEqual(a.weights);
    expect(b.result.epochLosses).toEqual(a.result.epochLosses);
  });

  it('names bad data and stops when aborted', async () => {
    const net = createSmallConvnet(config);
    await expect(trainSmallConvnet({ net, data: { ...data, count: 11 }, epochs: 1 })).rejects.toThrow('Invalid data.images: expected 11·8·8·3 = 2112 values, got "2304 values"');
    await expect(trainSmallConvnet({ net, data: { ...data, labels: data.labels.map(() => 3) }, epochs: 1 })).rejects.toThrow('Invalid data.labels: expected 12 labels in 0…2');
    const error = await trainSmallConvnet({ net, data, epochs: 1, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isCdmError(error, 'CDM_ABORTED')).toBe(true);
    net.dispose();
  });
});

describe('renderProceduralExamples', () => {
  it('renders examples start… in order with labels index mod 10, at any resolution', () => {
    const dataset = proceduralDataset({ resolution: 8, worldSeed: 5 });
    const set = renderProceduralExamples(dataset, 3, { start: 9, resolution: 4 });
    expect(Array.from(set.labels)).toEqual([9, 0, 1]);
    expect(set.images.subarray(48, 96)).toEqual(dataset.render(10, 4));
  });
});

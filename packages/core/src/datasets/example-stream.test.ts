import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { exampleStream, type ExampleStreamSource } from './example-stream';

/** Example i is a 1×1 grey image of value i / 100, label i % 3; loads are counted. */
function source(count: number, prefetch: boolean, loads: number[] = []): ExampleStreamSource {
  return {
    count,
    resolution: 1,
    channels: 1,
    randomFlip: false,
    labelled: true,
    prefetch,
    load: async (index) => {
      loads.push(index);
      return { pixels: Float32Array.of(index / 100), label: index % 3 };
    },
  };
}

async function take(stream: AsyncGenerator<{ images: tf.Tensor; labels?: tf.Tensor }>, batches: number): Promise<number[][]> {
  const out: number[][] = [];
  for (let b = 0; b < batches; b++) {
    const { value } = await stream.next();
    out.push(Array.from((await value!.images.data()) as Float32Array, (v) => Math.round(v * 100)));
    tf.dispose([value!.images, value!.labels!]);
  }
  await stream.return(undefined);
  return out;
}

describe('exampleStream', () => {
  it('gives the same batches with and without prefetch, and every example once per epoch', async () => {
    const options = { batchSize: 4, seed: 7 };
    const plain = await take(exampleStream(source(10, false), options), 5);
    const ahead = await take(exampleStream(source(10, true), options), 5);
    expect(ahead).toEqual(plain);
    expect(plain.flat().slice(0, 10).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plain.flat().slice(10, 20).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(plain.flat().slice(0, 10)).not.toEqual(plain.flat().slice(10, 20)); // each epoch in its own order
  });

  it('resumes at any example with start, and reads one batch ahead only with prefetch', async () => {
    const all = (await take(exampleStream(source(10, true), { batchSize: 3, seed: 1 }), 4)).flat();
    const resumed = (await take(exampleStream(source(10, true), { batchSize: 3, seed: 1, start: 6 }), 2)).flat();
    expect(resumed).toEqual(all.slice(6, 12));
    const loads: number[] = [];
    const stream = exampleStream(source(10, true, loads), { batchSize: 2, seed: 1 });
    const { value } = await stream.next();
    tf.dispose([value!.images, value!.labels!]);
    await new Promise((done) => setTimeout(done, 0));
    expect(loads).toHaveLength(4); // the first batch and the one read ahead
    await stream.return(undefined);
    const lazyLoads: number[] = [];
    const lazy = exampleStream(source(10, false, lazyLoads), { batchSize: 2, seed: 1 });
    const first = await lazy.next();
    tf.dispose([first.value!.images, first.value!.labels!]);
    await new Promise((done) => setTimeout(done, 0));
    expect(lazyLoads).toHaveLength(2);
    await lazy.return(undefined);
  });

  it('surfaces a failed read when its batch is asked for', async () => {
    const failing: ExampleStreamSource = { ...source(4, true), load: async () => Promise.reject(new Error('disk gone')) };
    await expect(exampleStream(failing, { batchSize: 2, seed: 0 }).next()).rejects.toThrow('disk gone');
  });
});

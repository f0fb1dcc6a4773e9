import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorToRawImages } from './tensor-to-raw-images';

describe('tensorToRawImages', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('maps [−1, 1] to 0…255 by round((x + 1)·127.5), clipping, one RawImage per batch entry', async () => {
    const images = tf.tensor4d([-1, 0, 1, -2, 2, 0.5, 0.002, -0.002, -1, 1, 1, -1], [2, 1, 2, 3]);
    const raw = await tensorToRawImages(images);
    images.dispose();
    expect(raw.map((r) => [r.width, r.height, r.channels])).toEqual([[2, 1, 3], [2, 1, 3]]);
    // 0 ↦ 127.5 rounds to 128; 0.5 ↦ 191.25 ↦ 191; ±0.002 ↦ 127.755 / 127.245 ↦ 128 / 127.
    expect(Array.from(raw[0]!.data)).toEqual([0, 128, 255, 0, 255, 191]);
    expect(Array.from(raw[1]!.data)).toEqual([128, 127, 0, 255, 255, 0]);
  });

  it('rejects a channel count no image has', async () => {
    const images = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    await expect(tensorToRawImages(images)).rejects.toThrow(expect.objectContaining({ code: 'CDM_SHAPE_MISMATCH' }));
    images.dispose();
  });
});

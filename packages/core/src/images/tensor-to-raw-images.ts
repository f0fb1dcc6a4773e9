import type * as tf from '@tensorflow/tfjs-core';
import type { RawImage } from '../contracts/image-codec';
import { errors } from '../errors';

/**
 * NHWC images in [−1, 1] (what a cascade samples) as 8-bit RawImages, x ↦ round((x + 1)·127.5)
 * clipped to 0…255 — what the platform packages' PNG writers
 * and canvases show. Reads asynchronously, so it works on WebGPU; does not dispose `images`.
 */
export async function tensorToRawImages(images: tf.Tensor4D): Promise<RawImage[]> {
  const [count, height, width, channels] = images.shape;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw errors.shapeMismatch('images', '[N, H, W, 1 | 3 | 4]', images.shape);
  const values = await images.data();
  const size = height * width * channels;
  return Array.from({ length: count }, (_, i) => ({
    width,
    height,
    channels,
    data: Uint8Array.from(values.subarray(i * size, (i + 1) * size), (x) => Math.min(255, Math.max(0, Math.round((x + 1) * 127.5)))),
  }));
}

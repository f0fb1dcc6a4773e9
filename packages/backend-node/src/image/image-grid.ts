import * as tf from '@tensorflow/tfjs-core';
import { errors, tensorToRawImages, type ImageCodec, type RawImage, type Storage } from '@cdm/core';
import { checkRawImage } from './png-codec';

export interface ImageGridOptions {
  /** Images per row; default ⌈√n⌉. */
  readonly columns?: number;
  /** Pixels between and around images; default 2. */
  readonly padding?: number;
  /** Grey level (0–255) of the padding; default 255. */
  readonly background?: number;
}

/**
 * NHWC images in [−1, 1] as 8-bit RawImages: core's `tensorToRawImages`, kept under this name for
 * the PNG and grid writers here.
 */
export const tensorToImages = tensorToRawImages;

/** Tiles equally sized images row by row into one image with `padding` pixels between them. */
export function imageGrid(images: readonly RawImage[], options: ImageGridOptions = {}): RawImage {
  const first = images[0];
  if (first === undefined) throw errors.invalidArgument('images', 'at least one image', images.length);
  for (const image of images) {
    checkRawImage(image);
    if (image.width !== first.width || image.height !== first.height || image.channels !== first.channels) {
      throw errors.shapeMismatch('grid image', `${first.width}×${first.height}×${first.channels} like the first`, [image.width, image.height, image.channels]);
    }
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(images.length));
  const padding = options.padding ?? 2;
  if (!Number.isInteger(columns) || columns < 1) throw errors.invalidArgument('columns', 'a positive integer', columns);
  if (!Number.isInteger(padding) || padding < 0) throw errors.invalidArgument('padding', 'a non-negative integer', padding);
  const rows = Math.ceil(images.length / columns);
  const { width: w, height: h, channels: c } = first;
  const width = columns * (w + padding) + padding;
  const height = rows * (h + padding) + padding;
  const data = new Uint8Array(width * height * c).fill(options.background ?? 255);
  if (c === 4) for (let i = 3; i < data.length; i += 4) data[i] = 255; // opaque padding
  images.forEach((image, k) => {
    const x0 = padding + (k % columns) * (w + padding);
    const y0 = padding + Math.floor(k / columns) * (h + padding);
    for (let y = 0; y < h; y++) data.set(image.data.subarray(y * w * c, (y + 1) * w * c), ((y0 + y) * width + x0) * c);
  });
  return { width, height, channels: c, data };
}

/** Encodes `images` (a tensor batch in [−1, 1] or RawImages) as one PNG grid and writes it to `path` in `storage`. */
export async function writeImageGrid(
  storage: Storage,
  codec: ImageCodec,
  path: string,
  images: tf.Tensor4D | readonly RawImage[],
  options: ImageGridOptions = {},
): Promise<RawImage> {
  const raw = images instanceof tf.Tensor ? await tensorToImages(images) : images;
  const grid = imageGrid(raw, options);
  await storage.write(path, await codec.encodePng(grid));
  return grid;
}

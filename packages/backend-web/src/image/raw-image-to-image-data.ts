import { errors, type RawImage } from '@cdm/core';

/** Checks a RawImage's fields and that `data` holds exactly width × height × channels bytes. */
export function checkRawImage(image: RawImage, arg = 'image'): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw errors.invalidArgument(`${arg} size`, 'positive integer width and height', [width, height]);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) throw errors.invalidArgument(`${arg}.channels`, '1, 3 or 4', channels);
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw errors.invalidArgument(`${arg}.data`, `a Uint8Array of ${width}×${height}×${channels} = ${width * height * channels} bytes`, data instanceof Uint8Array ? data.length : data);
  }
}

/** A RawImage's pixels as RGBA bytes (grey is repeated into R, G and B; alpha is 255 unless given). */
export function rawImageToRgba(image: RawImage): Uint8ClampedArray<ArrayBuffer> {
  checkRawImage(image);
  const { width, height, channels, data } = image;
  const rgba = new Uint8ClampedArray(width * height * 4);
  if (channels === 4) {
    rgba.set(data);
    return rgba;
  }
  for (let pixel = 0, from = 0, to = 0; pixel < width * height; pixel += 1, from += channels, to += 4) {
    const r = data[from] ?? 0;
    rgba[to] = r;
    rgba[to + 1] = channels === 3 ? (data[from + 1] ?? 0) : r;
    rgba[to + 2] = channels === 3 ? (data[from + 2] ?? 0) : r;
    rgba[to + 3] = 255;
  }
  return rgba;
}

/**
 * A RawImage as `ImageData`, ready for `ctx.putImageData(...)` (to show a sample on a canvas).
 * Needs `ImageData`, i.e. a browser page or worker.
 */
export function rawImageToImageData(image: RawImage): ImageData {
  const rgba = rawImageToRgba(image);
  if (typeof ImageData !== 'function') throw errors.notAvailable('ImageData', 'rawImageToImageData needs a browser page or worker; use rawImageToRgba for the bytes');
  return new ImageData(rgba, image.width, image.height);
}

/** RGBA bytes as a RawImage: 3 channels when every pixel is opaque, else 4. */
export function rgbaToRawImage(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): RawImage {
  const pixels = width * height;
  let opaque = true;
  for (let i = 3; i < pixels * 4; i += 4) {
    if (rgba[i] !== 255) {
      opaque = false;
      break;
    }
  }
  if (!opaque) return { width, height, channels: 4, data: new Uint8Array(rgba.buffer, rgba.byteOffset, pixels * 4).slice() };
  const rgb = new Uint8Array(pixels * 3);
  for (let pixel = 0; pixel < pixels; pixel += 1) {
    rgb[pixel * 3] = rgba[pixel * 4] ?? 0;
    rgb[pixel * 3 + 1] = rgba[pixel * 4 + 1] ?? 0;
    rgb[pixel * 3 + 2] = rgba[pixel * 4 + 2] ?? 0;
  }
  return { width, height, channels: 3, data: rgb };
}

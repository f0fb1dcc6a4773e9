import type { RawImage } from '@cdm/core';

/**
 * Center-crops `image` to a square (the shorter side) and resamples it to `resolution`² with an
 * area (box) filter: each output pixel is the mean of the input area it covers, with fractional
 * weights at the edges, so integer downscaling is exact block averaging and nothing aliases.
 * Converts channels (grey → RGB by repetition, RGB → grey by Rec. 601 luma, alpha dropped) and maps
 * 0…255 to [−1, 1]. Returns HWC float32.
 */
export function fitImage(image: RawImage, resolution: number, channels: 1 | 3): Float32Array {
  const values = areaFit(image, resolution, channels);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! / 127.5 - 1;
  return out;
}

/** `fitImage`'s crop and area resampling, rounded to bytes (0…255, HWC): what a prepared dataset stores. */
export function fitImageBytes(image: RawImage, resolution: number, channels: 1 | 3): Uint8Array {
  const values = areaFit(image, resolution, channels);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(values[i]!);
  return out;
}

/** The centre crop, area-resampled and channel-converted, in 0…255 (float64). */
function areaFit(image: RawImage, resolution: number, channels: 1 | 3): Float64Array {
  const side = Math.min(image.width, image.height);
  const x0 = Math.floor((image.width - side) / 2);
  const y0 = Math.floor((image.height - side) / 2);
  const scale = side / resolution; // input pixels per output pixel
  const weights = Array.from({ length: resolution }, (_, o) => coverage(o * scale, (o + 1) * scale));
  const out = new Float64Array(resolution * resolution * channels);
  const sample = new Float64Array(4);
  const src = image.channels;
  const norm = scale * scale;
  for (let oy = 0; oy < resolution; oy++) {
    const rows = weights[oy]!;
    for (let ox = 0; ox < resolution; ox++) {
      const cols = weights[ox]!;
      sample.fill(0);
      for (const [dy, wy] of rows) {
        const rowBase = (y0 + dy) * image.width + x0;
        for (const [dx, wx] of cols) {
          const p = (rowBase + dx) * src;
          const w = wy * wx;
          for (let k = 0; k < src; k++) sample[k]! += w * image.data[p + k]!;
        }
      }
      const o = (oy * resolution + ox) * channels;
      if (channels === 1) {
        out[o] = (src >= 3 ? 0.299 * sample[0]! + 0.587 * sample[1]! + 0.114 * sample[2]! : sample[0]!) / norm;
      } else {
        for (let k = 0; k < 3; k++) out[o + k] = (src >= 3 ? sample[k]! : sample[0]!) / norm;
      }
    }
  }
  return out;
}

/** The input pixels overlapping [from, to) and by how much: [index, overlap] pairs. */
function coverage(from: number, to: number): [number, number][] {
  const cells: [number, number][] = [];
  for (let i = Math.floor(from); i < to; i++) {
    const overlap = Math.min(to, i + 1) - Math.max(from, i);
    if (overlap > 1e-12) cells.push([i, overlap]);
  }
  return cells;
}

/** Mirrors an HWC image left ↔ right in place. */
export function flipHorizontal(pixels: Float32Array, resolution: number, channels: number): Float32Array {
  for (let y = 0; y < resolution; y++) {
    for (let x = 0; x < resolution / 2; x++) {
      const a = (y * resolution + x) * channels;
      const b = (y * resolution + resolution - 1 - x) * channels;
      for (let k = 0; k < channels; k++) [pixels[a + k], pixels[b + k]] = [pixels[b + k]!, pixels[a + k]!];
    }
  }
  return pixels;
}

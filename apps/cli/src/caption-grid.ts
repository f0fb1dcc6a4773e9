import { imageGrid } from '@cdm/backend-node';
import type { RawImage } from '@cdm/core';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './caption-font';

/** Rows a caption adds below an image: a pixel of space, the 5-pixel text, a pixel of space. */
export const CAPTION_HEIGHT = GLYPH_HEIGHT + 2;

/**
 * The image with `caption` drawn under it in the 3×5 font (dark text on white, one pixel between
 * letters), cut to as many letters as fit the image's width.
 */
export function withCaption(image: RawImage, caption: string): RawImage {
  const { width, height, channels } = image;
  const data = new Uint8Array(width * (height + CAPTION_HEIGHT) * channels).fill(255);
  data.set(image.data, 0);
  const letters = Math.floor((width + 1) / (GLYPH_WIDTH + 1));
  [...caption.slice(0, letters)].forEach((char, k) => {
    const bits = glyph(char);
    for (let y = 0; y < GLYPH_HEIGHT; y++) {
      for (let x = 0; x < GLYPH_WIDTH; x++) {
        if (bits[y * GLYPH_WIDTH + x] !== '1') continue;
        const offset = ((height + 1 + y) * width + k * (GLYPH_WIDTH + 1) + x) * channels;
        data.fill(32, offset, offset + Math.min(channels, 3));
      }
    }
  });
  return { width, height: height + CAPTION_HEIGHT, channels, data };
}

/** The images in a grid of `columns` (default: about square), each captioned with its name when `names` is given. */
export function captionedGrid(images: readonly RawImage[], names: readonly string[] | undefined, columns: number | undefined): RawImage {
  const cells = names === undefined ? images : images.map((image, i) => withCaption(image, names[i]!));
  return imageGrid(cells, columns === undefined ? {} : { columns });
}

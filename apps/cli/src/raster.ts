import type { RawImage } from '@cdm/core';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './caption-font';

/** An RGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

/** An RGB image to draw on (`RawImage` with 3 channels), with its drawing operations. */
export interface Canvas extends RawImage {
  readonly channels: 3;
  readonly data: Uint8Array;
}

/** Glyphs the caption font lacks that plot labels need (3×5, top row first). */
const EXTRA_GLYPHS: Readonly<Record<string, string>> = {
  '.': '000000000000010',
  ',': '000000000010100',
  '(': '010100100100010',
  ')': '010001001001010',
  '/': '001001010100100',
  ':': '000010000010000',
  '+': '000010111010000',
  '=': '000111000111000',
  '×': '000101010101000',
};

export function createCanvas(width: number, height: number, background: Rgb): Canvas {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(background, i);
  return { width, height, channels: 3, data };
}

/** Sets one pixel (ignored outside the canvas). */
export function setPixel(canvas: Canvas, x: number, y: number, color: Rgb): void {
  const px = Math.round(x);
  const py = Math.round(y);
  if (px < 0 || py < 0 || px >= canvas.width || py >= canvas.height) return;
  canvas.data.set(color, (py * canvas.width + px) * 3);
}

/** The colour at a pixel. */
export function getPixel(canvas: RawImage, x: number, y: number): Rgb {
  const offset = (y * canvas.width + x) * canvas.channels;
  return [canvas.data[offset]!, canvas.data[offset + 1]!, canvas.data[offset + 2]!];
}

export function fillRect(canvas: Canvas, x: number, y: number, width: number, height: number, color: Rgb): void {
  for (let j = Math.max(0, Math.round(y)); j < Math.min(canvas.height, Math.round(y + height)); j++) {
    for (let i = Math.max(0, Math.round(x)); i < Math.min(canvas.width, Math.round(x + width)); i++) canvas.data.set(color, (j * canvas.width + i) * 3);
  }
}

/**
 * A straight line from (x0, y0) to (x1, y1) by Bresenham's algorithm on the rounded end points,
 * `thickness` pixels wide (a square pen centred on each pixel of the line).
 */
export function drawLine(canvas: Canvas, x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xEnd = Math.round(x1);
  const yEnd = Math.round(y1);
  const dx = Math.abs(xEnd - x);
  const dy = -Math.abs(yEnd - y);
  const sx = x < xEnd ? 1 : -1;
  const sy = y < yEnd ? 1 : -1;
  let error = dx + dy;
  const low = -Math.floor((thickness - 1) / 2);
  for (;;) {
    if (thickness <= 1) setPixel(canvas, x, y, color);
    else fillRect(canvas, x + low, y + low, thickness, thickness, color);
    if (x === xEnd && y === yEnd) return;
    const twice = 2 * error;
    if (twice >= dy) {
      error += dy;
      x += sx;
    }
    if (twice <= dx) {
      error += dx;
      y += sy;
    }
  }
}

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}

export const TEXT_HEIGHT = GLYPH_HEIGHT;

/** Draws `text` in the 3×5 caption font (upper case), each font pixel `scale`×`scale`, top-left at (x, y). */
export function drawText(canvas: Canvas, x: number, y: number, text: string, color: Rgb, scale = 1): void {
  [...text].forEach((char, k) => {
    const bits = EXTRA_GLYPHS[char] ?? glyph(char);
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        if (bits[row * GLYPH_WIDTH + col] === '1') fillRect(canvas, x + (k * (GLYPH_WIDTH + 1) + col) * scale, y + row * scale, scale, scale, color);
      }
    }
  });
}

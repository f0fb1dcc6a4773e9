import { describe, expect, it } from 'vitest';
import { checkRawImage, rawImageToImageData, rawImageToRgba, rgbaToRawImage } from './raw-image-to-image-data';

describe('rawImageToRgba', () => {
  it('expands RGB with opaque alpha, grey into all three colours, and copies RGBA', () => {
    expect(Array.from(rawImageToRgba({ width: 2, height: 1, channels: 3, data: Uint8Array.of(1, 2, 3, 4, 5, 6) }))).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
    expect(Array.from(rawImageToRgba({ width: 1, height: 2, channels: 1, data: Uint8Array.of(7, 200) }))).toEqual([7, 7, 7, 255, 200, 200, 200, 255]);
    expect(Array.from(rawImageToRgba({ width: 1, height: 1, channels: 4, data: Uint8Array.of(9, 8, 7, 6) }))).toEqual([9, 8, 7, 6]);
  });

  it('rejects data of the wrong length or odd channel counts, saying what was expected', () => {
    expect(() => checkRawImage({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow('Invalid image.data: expected a Uint8Array of 2×2×3 = 12 bytes, got 11 [CDM_INVALID_ARGUMENT]');
    expect(() => checkRawImage({ width: 2, height: 2, channels: 2 as never, data: new Uint8Array(8) })).toThrow('Invalid image.channels: expected 1, 3 or 4, got 2');
    expect(() => checkRawImage({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) })).toThrow('Invalid image size');
  });

  it('rawImageToImageData says it needs a browser where ImageData is missing (Node)', () => {
    expect(() => rawImageToImageData({ width: 1, height: 1, channels: 3, data: Uint8Array.of(1, 2, 3) })).toThrow(expect.objectContaining({ code: 'CDM_NOT_AVAILABLE' }));
  });
});

describe('rgbaToRawImage', () => {
  it('drops alpha when every pixel is opaque and keeps it otherwise; round-trips with rawImageToRgba', () => {
    const rgb = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.of(10, 20, 30, 40, 50, 60) };
    expect(rgbaToRawImage(rawImageToRgba(rgb), 2, 1)).toEqual(rgb);
    const translucent = Uint8ClampedArray.of(1, 2, 3, 255, 4, 5, 6, 128);
    expect(rgbaToRawImage(translucent, 2, 1)).toEqual({ width: 2, height: 1, channels: 4, data: Uint8Array.of(1, 2, 3, 255, 4, 5, 6, 128) });
  });
});

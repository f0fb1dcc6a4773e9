import { crc32 } from 'node:zlib';
import { encode as encodePngRaw } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { pngCodec } from './png-codec';

const codec = pngCodec();
const pattern = (w: number, h: number, c: 1 | 3 | 4) => ({ width: w, height: h, channels: c, data: Uint8Array.from({ length: w * h * c }, (_, i) => (i * 37 + 11) & 255) });

describe('pngCodec', () => {
  it('round-trips grey, RGB and RGBA images bit for bit', async () => {
    for (const c of [1, 3, 4] as const) {
      const image = pattern(5, 3, c);
      const png = await codec.encodePng(image);
      expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
      expect(await codec.decode(png)).toEqual(image);
    }
  });

  it('reads 16-bit PNGs (rounded to 8 bits) and grey+alpha as RGBA', async () => {
    const png16 = encodePngRaw({ width: 2, height: 1, channels: 3, depth: 16, data: Uint16Array.from([0, 257, 65535, 32896, 128, 1000]) });
    expect(Array.from((await codec.decode(png16)).data)).toEqual([0, 1, 255, 128, 0, 4]);
    const greyAlpha = encodePngRaw({ width: 1, height: 1, channels: 2, depth: 8, data: Uint8Array.from([9, 200]) });
    expect(await codec.decode(greyAlpha)).toEqual({ width: 1, height: 1, channels: 4, data: Uint8Array.from([9, 9, 9, 200]) });
  });

  it('reads 1-, 2- and 4-bit grey PNGs (valid PNGs, e.g. scanned line art) scaled to 0…255, and low-depth palette images', async () => {
    // 3×2 pixels: rows are packed from the high bits and start on a byte.
    const one = encodePngRaw({ width: 3, height: 2, channels: 1, depth: 1, data: Uint8Array.from([0b10100000, 0b01000000]) });
    expect(await codec.decode(one)).toEqual({ width: 3, height: 2, channels: 1, data: Uint8Array.from([255, 0, 255, 0, 255, 0]) });
    const two = encodePngRaw({ width: 3, height: 2, channels: 1, depth: 2, data: Uint8Array.from([0b11100100, 0b00011000]) });
    expect(Array.from((await codec.decode(two)).data)).toEqual([255, 170, 85, 0, 85, 170]);
    const four = encodePngRaw({ width: 3, height: 1, channels: 1, depth: 4, data: Uint8Array.from([0xf0, 0x70]) });
    expect(Array.from((await codec.decode(four)).data)).toEqual([255, 0, 119]);
    // Width 9 at 1 bit: two bytes a row, the second holding one pixel.
    const wide = encodePngRaw({ width: 9, height: 1, channels: 1, depth: 1, data: Uint8Array.from([0b01111111, 0b10000000]) });
    expect(Array.from((await codec.decode(wide)).data)).toEqual([0, 255, 255, 255, 255, 255, 255, 255, 255]);
    const palette = encodePngRaw({ width: 2, height: 1, channels: 1, depth: 1, palette: [[10, 20, 30], [200, 100, 50]], data: Uint8Array.from([0b01000000]) });
    expect(await codec.decode(palette)).toEqual({ width: 2, height: 1, channels: 3, data: Uint8Array.from([10, 20, 30, 200, 100, 50]) });
    // Interlaced low-depth images are refused with a coded error rather than decoded wrongly.
    const interlaced = Uint8Array.from(one);
    interlaced[28] = 1; // IHDR's interlace method: Adam7, with IHDR's CRC (bytes 29…32) to match
    new DataView(interlaced.buffer).setUint32(29, crc32(interlaced.subarray(12, 29)));
    await expect(codec.decode(interlaced)).rejects.toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringContaining('an interlaced 1-bit image') }));
  });

  it('decodes JPEG as RGB close to the original (lossy: mean error < 3 levels at quality 95)', async () => {
    const width = 16;
    const height = 8;
    const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : 40 + ((i >> 2) % width) * 10));
    const bytes = jpeg.encode({ width, height, data: rgba }, 95).data;
    const image = await codec.decode(new Uint8Array(bytes));
    expect([image.width, image.height, image.channels]).toEqual([width, height, 3]);
    let error = 0;
    for (let p = 0; p < width * height; p++) for (let k = 0; k < 3; k++) error += Math.abs(image.data[p * 3 + k]! - rgba[p * 4 + k]!);
    expect(error / (width * height * 3)).toBeLessThan(3);
  });

  it('rejects bytes that are neither PNG nor JPEG, and malformed images, with coded errors', async () => {
    await expect(codec.decode(Uint8Array.from([1, 2, 3, 4]))).rejects.toThrow('Invalid image bytes: expected PNG or JPEG data, got "4 bytes starting 01 02 03 04" [CDM_INVALID_ARGUMENT]');
    await expect(codec.encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).rejects.toThrow(/Invalid image data: expected a Uint8Array of 2×2×3 = 12 bytes, got 5/);
  });
});

import { describe, expect, it } from 'vitest';
import { applyOrientation, jpegExifOrientation } from './exif-orientation';
import { jsImageDecoder, loadSharp, sharpImageDecoder } from './image-decoder';

/** A 3×2 RGB image whose pixels are numbered 0…5 in the red channel. */
const stored = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => (i % 3 === 0 ? i / 3 : 0)) };
const reds = (image: { data: Uint8Array; channels: number }) => [...image.data].filter((_, i) => i % image.channels === 0);

describe('applyOrientation', () => {
  // Stored:  0 1 2      The upright picture for each EXIF orientation, row by row.
  //          3 4 5
  const upright: Record<number, number[][]> = {
    1: [[0, 1, 2], [3, 4, 5]],
    2: [[2, 1, 0], [5, 4, 3]],
    3: [[5, 4, 3], [2, 1, 0]],
    4: [[3, 4, 5], [0, 1, 2]],
    5: [[0, 3], [1, 4], [2, 5]],
    6: [[3, 0], [4, 1], [5, 2]],
    7: [[5, 2], [4, 1], [3, 0]],
    8: [[2, 5], [1, 4], [0, 3]],
  };
  for (const [orientation, rows] of Object.entries(upright)) {
    it(`orientation ${orientation}`, () => {
      const out = applyOrientation(stored, Number(orientation));
      expect([out.width, out.height]).toEqual([rows[0]!.length, rows.length]);
      expect(reds(out)).toEqual(rows.flat());
    });
  }
});

describe('EXIF orientation of JPEG files', () => {
  it('reads the tag that sharp writes and decodes upright like libvips does', async () => {
    const sharp = await loadSharp();
    if (sharp === undefined) return expect.fail('sharp (an optional dependency that installs on this platform) is missing');
    // A 16×8 image, left half dark and right half bright, stored with orientation 6 (rotate 90° clockwise to view).
    const pixels = Uint8Array.from({ length: 16 * 8 * 3 }, (_, i) => (Math.floor(i / 3) % 16 < 8 ? 20 : 230));
    const make = sharp as unknown as (input: Uint8Array, o: object) => { withMetadata(o: object): { jpeg(o: object): { toBuffer(): Promise<Buffer> } } };
    const jpeg = new Uint8Array(await make(pixels, { raw: { width: 16, height: 8, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer());
    expect(jpegExifOrientation(jpeg)).toBe(6);
    const js = await jsImageDecoder().decode(jpeg);
    const vips = await sharpImageDecoder(sharp).decode(jpeg);
    expect([js.width, js.height]).toEqual([8, 16]);
    expect([vips.width, vips.height]).toEqual([8, 16]);
    // Upright, the dark half is on top: row 0 dark, row 15 bright, in both decoders (JPEG rounding aside).
    expect(js.data[0]).toBeLessThan(40);
    expect(js.data[js.data.length - 1]).toBeGreaterThan(210);
    let diff = 0;
    for (let i = 0; i < js.data.length; i++) diff = Math.max(diff, Math.abs(js.data[i]! - vips.data[i]!));
    expect(diff).toBeLessThanOrEqual(12);
  });

  it('is 1 for images without the tag and for non-JPEG bytes', () => {
    expect(jpegExifOrientation(Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0, 2))).toBe(1);
    expect(jpegExifOrientation(Uint8Array.of(0x89, 0x50, 0x4e, 0x47))).toBe(1);
  });
});

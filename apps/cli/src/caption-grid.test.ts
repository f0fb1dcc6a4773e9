import { describe, expect, it } from 'vitest';
import { CAPTION_HEIGHT, withCaption } from './caption-grid';

describe('withCaption', () => {
  it('draws the 3×5 glyphs under the image and keeps the image itself', () => {
    const image = { width: 8, height: 2, channels: 1 as const, data: new Uint8Array(16).fill(100) };
    const captioned = withCaption(image, 'ti'); // two letters fit 8 pixels (3 + 1 + 3 + 1)
    expect([captioned.width, captioned.height]).toEqual([8, 2 + CAPTION_HEIGHT]);
    expect(Array.from(captioned.data.subarray(0, 16))).toEqual(new Array(16).fill(100));
    const rows = Array.from({ length: CAPTION_HEIGHT }, (_, y) =>
      Array.from(captioned.data.subarray((2 + y) * 8, (3 + y) * 8), (v) => (v === 32 ? '#' : '.')).join(''),
    );
    expect(rows).toEqual(['........', '###.###.', '.#...#..', '.#...#..', '.#...#..', '.#..###.', '........']);
  });

  it('cuts the caption to the width and writes only the colour channels of RGBA', () => {
    const image = { width: 4, height: 1, channels: 4 as const, data: new Uint8Array(16).fill(0) };
    const captioned = withCaption(image, 'LONG');
    const firstRow = Array.from(captioned.data.subarray((1 + 1) * 16, (1 + 1) * 16 + 16));
    expect(firstRow).toEqual([32, 32, 32, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]); // 'L' then nothing
  });
});

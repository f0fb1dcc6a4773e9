import { describe, expect, it } from 'vitest';
import { CHROMA_TABLE, LUMA_TABLE, scaledTable } from './quantization-tables';

describe('scaledTable (libjpeg quality scaling)', () => {
  it('gives the standard tables at quality 50 and all ones at 100', () => {
    expect(scaledTable(LUMA_TABLE, 50)).toEqual(LUMA_TABLE);
    expect(scaledTable(CHROMA_TABLE, 50)).toEqual(CHROMA_TABLE);
    expect(new Set(scaledTable(LUMA_TABLE, 100))).toEqual(new Set([1]));
  });

  it("reproduces libjpeg's first luminance row at qualities 75, 90 and 10 (values cjpeg writes into files)", () => {
    expect(scaledTable(LUMA_TABLE, 75).slice(0, 8)).toEqual([8, 6, 5, 8, 12, 20, 26, 31]);
    expect(scaledTable(LUMA_TABLE, 90).slice(0, 8)).toEqual([3, 2, 2, 3, 5, 8, 10, 12]);
    expect(scaledTable(LUMA_TABLE, 10).slice(0, 8)).toEqual([80, 55, 50, 80, 120, 200, 255, 255]);
  });

  it('never goes below 1 or above 255, and coarsens as quality falls', () => {
    for (let q = 1; q <= 100; q++) {
      const table = scaledTable(CHROMA_TABLE, q);
      expect(Math.min(...table)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...table)).toBeLessThanOrEqual(255);
      if (q > 1) scaledTable(CHROMA_TABLE, q - 1).forEach((entry, i) => expect(entry).toBeGreaterThanOrEqual(table[i]!));
    }
  });
});

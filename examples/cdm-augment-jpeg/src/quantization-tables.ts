/**
 * The example quantisation tables of the JPEG standard (ITU T.81, Annex K.1), row-major by
 * (row frequency u, column frequency v): luminance (K.1) and chrominance (K.2). They are the
 * quality-50 tables of the IJG libjpeg encoder.
 */
export const LUMA_TABLE: readonly number[] = [
  16, 11, 10, 16, 24, 40, 51, 61,
  12, 12, 14, 19, 26, 58, 60, 55,
  14, 13, 16, 24, 40, 57, 69, 56,
  14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77,
  24, 35, 55, 64, 81, 104, 113, 92,
  49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

export const CHROMA_TABLE: readonly number[] = [
  17, 18, 24, 47, 99, 99, 99, 99,
  18, 21, 26, 66, 99, 99, 99, 99,
  24, 26, 56, 99, 99, 99, 99, 99,
  47, 66, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99,
];

/**
 * A table scaled to a quality in 1…100 the way libjpeg does it (`jpeg_quality_scaling`): a
 * percentage 5000/q below 50 and 200 − 2q from 50 on, each entry ⌊(entry·scale + 50)/100⌋ kept in
 * 1…255 (baseline JPEG). Quality 50 is the table itself; quality 100 is all ones.
 */
export function scaledTable(table: readonly number[], quality: number): number[] {
  const scale = quality < 50 ? Math.floor(5000 / quality) : 200 - 2 * quality;
  return table.map((entry) => Math.min(255, Math.max(1, Math.floor((entry * scale + 50) / 100))));
}

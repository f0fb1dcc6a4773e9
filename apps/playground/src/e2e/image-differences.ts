/** Differences between two images' values, for the end-to-end comparison with Node. */
export const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) throw new Error(`images differ in size: ${a.length} against ${b.length} values`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

/** The q-quantile of |a − b| (q = 0.99: 99 % of values differ by less). */
export const quantileDifference = (a: ArrayLike<number>, b: ArrayLike<number>, q: number): number => {
  const differences = Array.from(a, (x, i) => Math.abs(x - b[i]!)).sort((x, y) => x - y);
  return differences[Math.min(differences.length - 1, Math.floor(q * differences.length))]!;
};

export const standardDeviation = (values: readonly number[]): number => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
};

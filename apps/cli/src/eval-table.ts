/** One row of `cdm eval`'s summary: a value, its interval and/or spread, and how they were obtained. */
export interface MetricRow {
  readonly metric: string;
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
  readonly std?: number;
  /** How the interval or spread was obtained, e.g. "bootstrap, B = 100". */
  readonly how: string;
  /** Show as a percentage (accuracies). */
  readonly percent?: boolean;
}

/** A number for the table: three decimals from 1 to 10⁵, three significant digits below 1, exponent notation beyond. */
function formatNumber(v: number, percent: boolean): string {
  if (percent) return `${(100 * v).toFixed(1)} %`;
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return a >= 1 ? v.toFixed(3) : v.toPrecision(3);
}

/**
 * The summary table `cdm eval` prints after the per-metric lines: metric, value, 95 % interval,
 * standard deviation and how they were obtained, in aligned columns.
 */
export function metricsTable(rows: readonly MetricRow[]): string {
  const cells = rows.map((r) => {
    const p = r.percent === true;
    return [
      r.metric,
      formatNumber(r.value, p),
      r.low === undefined || r.high === undefined ? '' : `${formatNumber(r.low, p)} … ${formatNumber(r.high, p)}`,
      r.std === undefined ? '' : formatNumber(r.std, p),
      r.how,
    ];
  });
  const header = ['metric', 'value', '95 % interval', 'std', 'from'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: readonly string[]) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

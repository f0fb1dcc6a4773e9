import { errors, type RawImage } from '@cdm/core';
import { createCanvas, drawLine, drawText, fillRect, textWidth, TEXT_HEIGHT, type Canvas, type Rgb } from './raster';

/** One log line as the plot reads it. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
  readonly heldOutLoss?: number | undefined;
}

export interface LossPlotOptions {
  readonly width?: number;
  readonly height?: number;
  /**
   * Weight of the exponential moving average (in log space, debiased) drawn over the raw loss:
   * 0 = none, towards 1 = smoother. Default: 1 − 10/lines, between 0 and 0.95 (about the last 10–20 lines).
   */
  readonly smoothing?: number;
  readonly title?: string;
}

export const PLOT_COLORS = {
  background: [255, 255, 255],
  grid: [232, 232, 232],
  axis: [0, 0, 0],
  text: [40, 40, 40],
  raw: [166, 196, 230],
  smoothed: [31, 100, 180],
  heldOut: [230, 110, 0],
} as const satisfies Record<string, Rgb>;

/** Pixels of the text (2×2 per font pixel). */
const SCALE = 2;
const CHAR_HEIGHT = TEXT_HEIGHT * SCALE;

/** Where the plot area lies and where a step and a loss fall in it (log-scale y). */
export interface LossPlotLayout {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly steps: readonly [number, number];
  readonly losses: readonly [number, number];
  x(step: number): number;
  y(loss: number): number;
}

const usable = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

/** The default smoothing for `n` lines. */
export function defaultSmoothing(n: number): number {
  return Math.min(0.95, Math.max(0, 1 - 10 / n));
}

/** A debiased exponential moving average of the losses' logarithms (TensorBoard's smoothing, in log space for a log axis). */
export function smoothLosses(losses: readonly number[], weight: number): number[] {
  let average = 0;
  let total = 0;
  return losses.map((loss) => {
    average = weight * average + (1 - weight) * Math.log(loss);
    total = weight * total + (1 - weight);
    return Math.exp(average / total);
  });
}

/** The plot's frame for `points`: steps from 0, losses between the smallest and largest (with a margin). */
export function lossPlotLayout(points: readonly LossPoint[], options: LossPlotOptions = {}): LossPlotLayout {
  const { width = 800, height = 480 } = options;
  const values = points.flatMap((p) => [p.loss, p.heldOutLoss]).filter(usable);
  if (values.length === 0) throw errors.invalidArgument('log', 'lines with a positive, finite loss', `${points.length} lines without one`);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi / lo < 1.5) [lo, hi] = [Math.sqrt(lo * hi) / 1.25, Math.sqrt(lo * hi) * 1.25];
  const pad = Math.log(hi / lo) * 0.05;
  const losses: [number, number] = [lo * Math.exp(-pad), hi * Math.exp(pad)];
  const steps: [number, number] = [0, Math.max(1, ...points.map((p) => p.step))];
  const labelWidth = Math.max(...yTicks(losses).map((t) => textWidth(t.label, SCALE)));
  const left = labelWidth + 16;
  const top = CHAR_HEIGHT * 2 + 16;
  const right = width - 20;
  const bottom = height - CHAR_HEIGHT * 2 - 18;
  return {
    left,
    top,
    right,
    bottom,
    steps,
    losses,
    x: (step) => left + ((step - steps[0]) / (steps[1] - steps[0])) * (right - left),
    y: (loss) => top + (Math.log(losses[1] / loss) / Math.log(losses[1] / losses[0])) * (bottom - top),
  };
}

/**
 * The training curves of a run as an RGB image: the raw loss of each log line (light), its
 * smoothed version (dark) and the held-out loss (orange, with a marker per evaluation) on a
 * log-scale y axis with decade (and 2, 5 or every-digit) ticks, steps on x, a legend and a title.
 */
export function drawLossPlot(points: readonly LossPoint[], options: LossPlotOptions = {}): RawImage {
  const layout = lossPlotLayout(points, options);
  const { left, top, right, bottom, x, y } = layout;
  const canvas = createCanvas(options.width ?? 800, options.height ?? 480, PLOT_COLORS.background);
  const sorted = [...points].sort((a, b) => a.step - b.step);

  for (const tick of yTicks(layout.losses)) {
    const py = Math.round(y(tick.value));
    drawLine(canvas, left, py, right, py, PLOT_COLORS.grid);
    drawLine(canvas, left - 5, py, left, py, PLOT_COLORS.axis);
    drawText(canvas, left - 8 - textWidth(tick.label, SCALE), py - CHAR_HEIGHT / 2, tick.label, PLOT_COLORS.text, SCALE);
  }
  for (const step of xTicks(layout.steps)) {
    const px = Math.round(x(step));
    drawLine(canvas, px, top, px, bottom, PLOT_COLORS.grid);
    drawLine(canvas, px, bottom, px, bottom + 5, PLOT_COLORS.axis);
    const label = formatStep(step);
    drawText(canvas, px - textWidth(label, SCALE) / 2, bottom + 9, label, PLOT_COLORS.text, SCALE);
  }
  drawText(canvas, (left + right) / 2 - textWidth('STEP', SCALE) / 2, bottom + 13 + CHAR_HEIGHT, 'STEP', PLOT_COLORS.text, SCALE);

  const training = sorted.filter((p) => usable(p.loss));
  polyline(canvas, layout, training.map((p) => [p.step, p.loss]), PLOT_COLORS.raw, 1);
  const weight = options.smoothing ?? defaultSmoothing(training.length);
  const smoothed = smoothLosses(training.map((p) => p.loss), weight);
  polyline(canvas, layout, training.map((p, i) => [p.step, smoothed[i]!]), PLOT_COLORS.smoothed, 2);
  const heldOut = sorted.filter((p) => usable(p.heldOutLoss)).map((p) => [p.step, p.heldOutLoss!] as const);
  polyline(canvas, layout, heldOut, PLOT_COLORS.heldOut, 2);
  for (const [step, loss] of heldOut) fillRect(canvas, Math.round(x(step)) - 2, Math.round(y(loss)) - 2, 5, 5, PLOT_COLORS.heldOut);

  // Axes on top of the curves' ends.
  drawLine(canvas, left, top, left, bottom, PLOT_COLORS.axis);
  drawLine(canvas, left, bottom, right, bottom, PLOT_COLORS.axis);

  drawText(canvas, left, 8, (options.title ?? 'TRAINING LOSS').toUpperCase(), PLOT_COLORS.text, SCALE);
  drawText(canvas, left, 8 + CHAR_HEIGHT + 6, 'LOSS (LOG SCALE)', PLOT_COLORS.text, SCALE);
  const legend: [string, Rgb][] = [
    ['LOSS', PLOT_COLORS.raw],
    ['SMOOTHED', PLOT_COLORS.smoothed],
    ...(heldOut.length > 0 ? [['HELD-OUT (EMA)', PLOT_COLORS.heldOut] as [string, Rgb]] : []),
  ];
  let lx = right - legend.reduce((w, [label]) => w + 24 + textWidth(label, SCALE) + 14, 0) + 14;
  const ly = 8 + CHAR_HEIGHT + 6 + CHAR_HEIGHT / 2;
  for (const [label, color] of legend) {
    fillRect(canvas, lx, ly - 1, 18, 3, color);
    drawText(canvas, lx + 24, ly - CHAR_HEIGHT / 2, label, PLOT_COLORS.text, SCALE);
    lx += 24 + textWidth(label, SCALE) + 14;
  }
  return canvas;
}

function polyline(canvas: Canvas, layout: LossPlotLayout, points: readonly (readonly [number, number])[], color: Rgb, thickness: number): void {
  if (points.length === 1) drawLine(canvas, layout.x(points[0]![0]), layout.y(points[0]![1]), layout.x(points[0]![0]), layout.y(points[0]![1]), color, thickness + 2);
  for (let i = 1; i < points.length; i++) {
    const [s0, l0] = points[i - 1]!;
    const [s1, l1] = points[i]!;
    drawLine(canvas, layout.x(s0), layout.y(l0), layout.x(s1), layout.y(l1), color, thickness);
  }
}

/** Ticks of a log axis: every decade, with 2 and 5 (or every digit) when few decades are shown. */
export function yTicks([lo, hi]: readonly [number, number]): { value: number; label: string }[] {
  const decades = Math.log10(hi / lo);
  const mantissas = decades < 1.2 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : decades < 3.5 ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(decades / 8)); // at most about 8 decade labels
  const ticks: { value: number; label: string }[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    if (mantissas.length === 1 && k % every !== 0) continue;
    for (const m of mantissas) {
      const value = Number((m * 10 ** k).toPrecision(2));
      if (value >= lo && value <= hi) ticks.push({ value, label: String(value).toUpperCase() });
    }
  }
  return ticks;
}

/** Round-number ticks (1, 2 or 5 × 10^k apart) for the step axis, about six of them. */
export function xTicks([lo, hi]: readonly [number, number]): number[] {
  const raw = (hi - lo) / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const spacing = Math.max(1, ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / spacing) * spacing; v <= hi; v += spacing) ticks.push(v);
  return ticks;
}

/** 1500 → "1500", 20000 → "20K", 3000000 → "3M". */
export function formatStep(step: number): string {
  if (step >= 1e6 && step % 1e5 === 0) return `${step / 1e6}M`;
  if (step >= 1e4 && step % 100 === 0) return `${step / 1e3}K`;
  return String(step);
}

import { describe, expect, it } from 'vitest';
import { drawLossPlot, formatStep, lossPlotLayout, PLOT_COLORS, smoothLosses, xTicks, yTicks, type LossPoint } from './loss-plot';
import { getPixel } from './raster';

/** Loss 1 at steps 10…1000 except 10 at step 500; held-out 0.1 at 500 and 0.05 at 1000. */
const points: LossPoint[] = Array.from({ length: 100 }, (_, i) => {
  const step = 10 * (i + 1);
  return { step, loss: step === 500 ? 10 : 1, ...(step % 500 === 0 ? { heldOutLoss: step === 500 ? 0.1 : 0.05 } : {}) };
});

/** Whether a pixel within `radius` of (x, y) has `color`. */
function near(image: ReturnType<typeof drawLossPlot>, x: number, y: number, color: readonly number[], radius = 1): boolean {
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      if (getPixel(image, Math.round(x) + dx, Math.round(y) + dy).every((v, i) => v === color[i])) return true;
    }
  }
  return false;
}

describe('drawLossPlot', () => {
  const image = drawLossPlot(points, { width: 640, height: 400, smoothing: 0.6 });
  const layout = lossPlotLayout(points, { width: 640, height: 400 });

  it('frames the losses on a log axis: 0.05 … 10 with a margin, steps from 0', () => {
    expect(layout.steps).toEqual([0, 1000]);
    expect(layout.losses[0]).toBeLessThan(0.05);
    expect(layout.losses[1]).toBeGreaterThan(10);
    // Equal ratios are equal distances.
    expect(layout.y(0.1) - layout.y(1)).toBeCloseTo(layout.y(1) - layout.y(10), 6);
    expect(layout.x(500)).toBeCloseTo((layout.left + layout.right) / 2, 6);
  });

  it('draws the smoothed loss along loss 1, the raw spike up to 10 at step 500, and held-out markers', () => {
    expect([image.width, image.height, image.channels]).toEqual([640, 400, 3]);
    for (const step of [100, 300, 800, 990]) expect(near(image, layout.x(step), layout.y(1), PLOT_COLORS.smoothed), `smoothed at ${step}`).toBe(true);
    expect(near(image, layout.x(500), layout.y(10), PLOT_COLORS.raw)).toBe(true);
    expect(near(image, layout.x(500), layout.y(10), PLOT_COLORS.smoothed, 3)).toBe(false); // the smoothed curve does not follow the spike
    expect(near(image, layout.x(500), layout.y(0.1), PLOT_COLORS.heldOut, 0)).toBe(true);
    expect(near(image, layout.x(1000), layout.y(0.05), PLOT_COLORS.heldOut, 0)).toBe(true);
    // Midway between the two evaluations the held-out line passes through their geometric mean (a straight line on the log axis).
    expect(near(image, layout.x(750), layout.y(Math.sqrt(0.1 * 0.05)), PLOT_COLORS.heldOut)).toBe(true);
    // Nothing of the curves where there is no data.
    expect(near(image, layout.x(300), layout.y(3), PLOT_COLORS.raw, 2)).toBe(false);
  });

  it('draws axes, and tick labels in the text colour left of the y axis', () => {
    for (let y = layout.top; y <= layout.bottom; y += 37) expect(getPixel(image, layout.left, y)).toEqual(PLOT_COLORS.axis);
    for (let x = layout.left; x <= layout.right; x += 41) expect(getPixel(image, x, layout.bottom)).toEqual(PLOT_COLORS.axis);
    let labelPixels = 0;
    for (let y = Math.round(layout.y(1)) - 5; y <= Math.round(layout.y(1)) + 5; y++) {
      for (let x = 0; x < layout.left - 6; x++) if (getPixel(image, x, y).every((v, i) => v === PLOT_COLORS.text[i])) labelPixels++;
    }
    expect(labelPixels).toBeGreaterThan(10); // "1"
  });

  it('refuses a log without a positive finite loss', () => {
    expect(() => drawLossPlot([{ step: 1, loss: Number.NaN }])).toThrow(/Invalid log: expected lines with a positive, finite loss/);
  });
});

describe('axes and smoothing', () => {
  it('ticks: every digit within a decade, 1-2-5 over a few, decades beyond; round step spacings', () => {
    expect(yTicks([0.15, 0.95]).map((t) => t.label)).toEqual(['0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
    expect(yTicks([0.015, 3]).map((t) => t.label)).toEqual(['0.02', '0.05', '0.1', '0.2', '0.5', '1', '2']);
    expect(yTicks([1e-6, 10]).map((t) => t.label)).toEqual(['0.000001', '0.00001', '0.0001', '0.001', '0.01', '0.1', '1', '10']);
    expect(xTicks([0, 1000])).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(xTicks([0, 7])).toEqual([0, 2, 4, 6]);
    expect([formatStep(1500), formatStep(20_000), formatStep(3_000_000)]).toEqual(['1500', '20K', '3M']);
  });

  it('smooths in log space, debiased: a constant stays put, a step change is followed gradually', () => {
    expect(smoothLosses([2, 2, 2], 0.9)).toEqual([2, 2, 2].map((v) => expect.closeTo(v, 12)));
    const s = smoothLosses([1, 1, 100, 100], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[2]).toBeGreaterThan(1);
    expect(s[2]).toBeLessThan(100);
    expect(s[3]).toBeGreaterThan(s[2]!);
  });
});

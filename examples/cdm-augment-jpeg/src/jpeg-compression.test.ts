import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentationPolicies, createAugmentationRegistry, createRng, isCdmError } from '@cdm/core';
import { describeAugmentationConformance, makeLowRes } from '@cdm/core/testing';
import { jpegCompression, jpegCompressionFactory, jpegRoundTrip } from './jpeg-compression';
import { CHROMA_TABLE, LUMA_TABLE, scaledTable } from './quantization-tables';

/**
 * A float64 JPEG round trip written out with plain loops, independent of the tensor code: 8-bit
 * pixels, JFIF YCbCr, per-block DCT-II from its definition, quantisation, inverse DCT, RGB, 8 bits.
 * One image [H, W, 3], H and W multiples of 8.
 */
function referenceJpeg(image: Float32Array, h: number, w: number, quality: number): Float64Array {
  const rgb = Array.from(image, (x) => Math.round(127.5 * Math.min(2, Math.max(0, x + 1))) - 128);
  const planes = [0, 1, 2].map(() => new Float64Array(h * w));
  for (let p = 0; p < h * w; p++) {
    const [r, g, b] = [rgb[3 * p]!, rgb[3 * p + 1]!, rgb[3 * p + 2]!];
    planes[0]![p] = 0.299 * r + 0.587 * g + 0.114 * b;
    planes[1]![p] = -0.168736 * r - 0.331264 * g + 0.5 * b;
    planes[2]![p] = 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  const c = (k: number) => (k === 0 ? Math.SQRT1_2 : 1);
  const cosines = (x: number, k: number) => Math.cos(((2 * x + 1) * k * Math.PI) / 16);
  const decoded = planes.map((plane, channel) => {
    const table = scaledTable(channel === 0 ? LUMA_TABLE : CHROMA_TABLE, quality);
    const out = new Float64Array(h * w);
    for (let by = 0; by < h; by += 8) {
      for (let bx = 0; bx < w; bx += 8) {
        const q = new Float64Array(64);
        for (let u = 0; u < 8; u++) {
          for (let v = 0; v < 8; v++) {
            let sum = 0;
            for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) sum += plane[(by + i) * w + bx + j]! * cosines(i, u) * cosines(j, v);
            const coefficient = (c(u) * c(v) * sum) / 4;
            q[u * 8 + v] = Math.round(coefficient / table[u * 8 + v]!) * table[u * 8 + v]!;
          }
        }
        for (let i = 0; i < 8; i++) {
          for (let j = 0; j < 8; j++) {
            let sum = 0;
            for (let u = 0; u < 8; u++) for (let v = 0; v < 8; v++) sum += c(u) * c(v) * q[u * 8 + v]! * cosines(i, u) * cosines(j, v);
            out[(by + i) * w + bx + j] = sum / 4;
          }
        }
      }
    }
    return out;
  });
  const result = new Float64Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    const [y, cb, cr] = [decoded[0]![p]!, decoded[1]![p]!, decoded[2]![p]!];
    const channels = [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb];
    channels.forEach((v, k) => (result[3 * p + k] = Math.min(255, Math.max(0, Math.round(v + 128))) / 127.5 - 1));
  }
  return result;
}

/** A smooth image (sums of low-frequency waves plus a little texture), like a downsampled photo. */
function smoothImages(batch: number, size: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  const values = new Float32Array(batch * size * size * 3);
  for (let b = 0; b < batch; b++) {
    const [fy, fx, phase] = [rng.uniform() * 0.3, rng.uniform() * 0.3, rng.uniform() * 6];
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        for (let c = 0; c < 3; c++) {
          const wave = 0.6 * Math.sin(fy * i + fx * j + phase + c) + 0.2 * Math.cos(0.15 * i * (c + 1));
          values[((b * size + i) * size + j) * 3 + c] = Math.max(-1, Math.min(1, wave + 0.05 * rng.normal()));
        }
      }
    }
  }
  return tf.tensor4d(values, [batch, size, size, 3]);
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const meanSquared = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length;
const LEVEL = 1 / 127.5; // one 8-bit step in [−1, 1] units

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('jpegRoundTrip', () => {
  it('agrees with a float64 loop implementation: ≥ 99 % of values exactly, all within 3 levels', async () => {
    // Rounding a DCT coefficient that sits within float32 error of a half-step can go either way,
    // which moves a whole block by a fraction of one table entry; such ties are rare.
    const [batch, size] = [4, 16];
    const images = smoothImages(batch, size, 3);
    const qualities = [10, 35, 75, 95];
    const out = jpegRoundTrip(images, qualities);
    const [inputs, actual] = [(await images.data()) as Float32Array, await out.data()];
    let exact = 0;
    let worst = 0;
    for (let b = 0; b < batch; b++) {
      const n = size * size * 3;
      const expected = referenceJpeg(inputs.subarray(b * n, (b + 1) * n), size, size, qualities[b]!);
      for (let i = 0; i < n; i++) {
        const difference = Math.abs(actual[b * n + i]! - expected[i]!);
        if (difference < 1e-6) exact++;
        worst = Math.max(worst, difference);
      }
    }
    expect(exact / actual.length).toBeGreaterThanOrEqual(0.99);
    expect(worst).toBeLessThanOrEqual(3 * LEVEL + 1e-6);
    tf.dispose([images, out]);
  });

  it('loses more as quality falls (mean squared error strictly decreasing over qualities 5, 20, 50, 80, 100)', async () => {
    const images = smoothImages(4, 16, 4);
    const input = await images.data();
    const errors: number[] = [];
    for (const quality of [5, 20, 50, 80, 100]) {
      const out = jpegRoundTrip(images, [quality, quality, quality, quality]);
      errors.push(meanSquared(await out.data(), input));
      out.dispose();
    }
    for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThan(errors[i - 1]!);
    expect(Math.sqrt(errors[4]!), 'quality 100 is nearly lossless: RMS error under 1.5 8-bit levels').toBeLessThan(1.5 * LEVEL);
    images.dispose();
  });

  it('makes blocks: at quality 10, steps across 8-pixel block edges are ≥ 1.5× the steps inside blocks', async () => {
    const images = smoothImages(8, 32, 5);
    const out = jpegRoundTrip(images, new Array<number>(8).fill(10));
    const ratio = async (t: tf.Tensor4D) => {
      const v = await t.data();
      let [edge, inner, nEdge, nInner] = [0, 0, 0, 0];
      for (let b = 0; b < 8; b++) {
        for (let i = 0; i < 32; i++) {
          for (let j = 0; j < 31; j++) {
            for (let c = 0; c < 3; c++) {
              const step = Math.abs(v[((b * 32 + i) * 32 + j + 1) * 3 + c]! - v[((b * 32 + i) * 32 + j) * 3 + c]!);
              if (j % 8 === 7) [edge, nEdge] = [edge + step, nEdge + 1];
              else [inner, nInner] = [inner + step, nInner + 1];
            }
          }
        }
      }
      return edge / nEdge / (inner / nInner);
    };
    expect(await ratio(images), 'the input has no block structure').toBeLessThan(1.2);
    expect(await ratio(out)).toBeGreaterThan(1.5);
    tf.dispose([images, out]);
  });

  it('handles sizes that are not multiples of 8 and any channel count', async () => {
    const images = makeLowRes(2, 12, 1);
    const out = jpegRoundTrip(images, [90, 90]);
    expect(out.shape).toEqual([2, 12, 12, 1]);
    expect(maxAbs(await out.data(), await images.data())).toBeLessThan(0.2);
    tf.dispose([images, out]);
  });
});

describe('jpegCompression policy', () => {
  it('compresses a fraction 0.5 of 2 000 examples, within 5 standard errors (±0.056)', async () => {
    const batch = 2000;
    const images = makeLowRes(batch, 8, 1);
    const result = jpegCompression({ quality: [20, 40], probability: 0.5 }).train(images, { rng: createRng(8) });
    const [before, after] = [await images.data(), await result.image.data()];
    let changed = 0;
    for (let b = 0; b < batch; b++) if (maxAbs(before.subarray(b * 64, (b + 1) * 64), after.subarray(b * 64, (b + 1) * 64)) > 0) changed++;
    expect(Math.abs(changed / batch - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / batch));
    expect(new Set(await result.level.data())).toEqual(new Set([0]));
    tf.dispose([images, result.image, result.level]);
  });

  it('hands the conditioning over unchanged at sampling time', async () => {
    const images = makeLowRes(2);
    const policy = jpegCompression({ quality: 5, probability: 1 });
    for (const handover of ['clean', 'truncated'] as const) {
      const result = policy.sample(images, { rng: createRng(0) }, { level: 0, handover });
      expect(Array.from(await result.image.data())).toEqual(Array.from(await images.data()));
      tf.dispose([result.image, result.level]);
    }
    images.dispose();
  });

  it('refuses bad options with coded errors naming the option', () => {
    const cases: [unknown, RegExp][] = [
      [{ quality: 0 }, /Invalid jpeg option quality: expected an integer in 1…100/],
      [{ quality: [90, 30] }, /option quality/],
      [{ quality: 50.5 }, /option quality/],
      [{ probability: 1.2 }, /Invalid jpeg option probability: expected a number in \[0, 1\], got 1.2/],
      [{ qualty: 50 }, /Invalid jpeg option "qualty"/],
      [[50], /Invalid jpeg options/],
    ];
    for (const [options, message] of cases) {
      let thrown: unknown;
      try {
        jpegCompression(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(isCdmError(thrown, 'CDM_INVALID_ARGUMENT'), String(thrown)).toBe(true);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it("registers by name, so a cascade.json can say { \"name\": \"jpeg\", \"options\": { … } }", () => {
    const registry = createAugmentationRegistry().use(jpegCompressionFactory);
    expect(registry.get('jpeg').create({ quality: [40, 60] }).name).toBe('jpeg');
    expect(augmentationPolicies.has('jpeg'), 'nothing registers itself on import').toBe(false);
  });
});

describeAugmentationConformance('jpeg', () => jpegCompression());
describeAugmentationConformance('jpeg (always, quality 1…100)', () => jpegCompression({ quality: [1, 100], probability: 1 }), { resolution: 12 });
describeAugmentationConformance('jpeg (one channel)', () => jpegCompression({ probability: 1 }), { channels: 1, levels: [0, 50] });

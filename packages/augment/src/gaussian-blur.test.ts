import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, isCdmError } from '@cdm/core';
import { describeAugmentationConformance, makeLowRes } from '@cdm/core/testing';
import { gaussianBlur } from './gaussian-blur';

/**
 * The expected response to a unit impulse: the 2-D Gaussian exp(−(i² + j²)/(2σ²)) normalised over
 * the k×k window, computed directly in 2-D in float64 (not as the separable product the policy uses).
 */
function gaussian2d(sigma: number, size: number): number[][] {
  const r = (size - 1) / 2;
  const rows = Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => Math.exp(-((i - r) ** 2 + (j - r) ** 2) / (2 * sigma * sigma))));
  const total = rows.flat().reduce((a, b) => a + b, 0);
  return rows.map((row) => row.map((v) => v / total));
}

/** A batch of 9×9 images, each zero except a 1 at the centre of every channel. */
function deltas(batch: number, channels = 1): tf.Tensor4D {
  const values = new Float32Array(batch * 81 * channels);
  for (let b = 0; b < batch; b++) for (let c = 0; c < channels; c++) values[((b * 9 + 4) * 9 + 4) * channels + c] = 1;
  return tf.tensor4d(values, [batch, 9, 9, channels]);
}

/** Image b, channel c of an NHWC array of 9×9 images, as rows. */
const imageAt = (values: Float32Array, b: number, c = 0, channels = 1) =>
  Array.from({ length: 9 }, (_, i) => Array.from({ length: 9 }, (_, j) => values[((b * 9 + i) * 9 + j) * channels + c]!));

/** Largest |actual − kernel| with the kernel centred at (4, 4) and zero elsewhere. */
function maxDeviation(image: number[][], kernel: number[][]): number {
  const r = (kernel.length - 1) / 2;
  let worst = 0;
  for (let i = 0; i < 9; i++) {
    for (let j = 0; j < 9; j++) {
      const expected = kernel[i - 4 + r]?.[j - 4 + r] ?? 0;
      worst = Math.max(worst, Math.abs(image[i]![j]! - expected));
    }
  }
  return worst;
}

const expectCode = (f: () => unknown, text: RegExp) => {
  let thrown: unknown;
  try {
    f();
  } catch (error) {
    thrown = error;
  }
  expect(isCdmError(thrown, 'CDM_INVALID_ARGUMENT'), `expected CDM_INVALID_ARGUMENT, got ${String(thrown)}`).toBe(true);
  expect((thrown as Error).message).toMatch(text);
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('gaussianBlur: the kernel', () => {
  for (const [sigma, kernelSize] of [[0.5, 3], [1.2, 5], [2, 7]] as const) {
    it(`turns a delta into the normalised 2-D Gaussian (σ = ${sigma}, ${kernelSize}×${kernelSize}; float64 reference, 1e-6)`, async () => {
      const x = deltas(2, 3);
      const result = gaussianBlur({ sigma, kernelSize, probability: 1 }).train(x, { rng: createRng(0) });
      const values = (await result.image.data()) as Float32Array;
      for (let b = 0; b < 2; b++) {
        for (let c = 0; c < 3; c++) expect(maxDeviation(imageAt(values, b, c, 3), gaussian2d(sigma, kernelSize))).toBeLessThan(1e-6);
      }
      expect(Array.from(await result.level.data())).toEqual([0, 0]);
      tf.dispose([x, result.image, result.level]);
    });
  }

  it('draws σ per example from the range: each response is the Gaussian of its own σ ∈ [0.4, 0.6]', async () => {
    const x = deltas(16);
    const result = gaussianBlur({ sigma: [0.4, 0.6], kernelSize: 3, probability: 1 }).train(x, { rng: createRng(7) });
    const values = (await result.image.data()) as Float32Array;
    const sigmas: number[] = [];
    for (let b = 0; b < 16; b++) {
      const image = imageAt(values, b);
      // The ratio of a neighbour to the centre is exp(−1/(2σ²)), which recovers σ.
      const sigma = Math.sqrt(-1 / (2 * Math.log(image[4]![5]! / image[4]![4]!)));
      expect(sigma).toBeGreaterThanOrEqual(0.4 - 1e-4);
      expect(sigma).toBeLessThanOrEqual(0.6 + 1e-4);
      expect(maxDeviation(image, gaussian2d(sigma, 3))).toBeLessThan(1e-5);
      sigmas.push(sigma);
    }
    expect(Math.max(...sigmas) - Math.min(...sigmas), 'σ differs between examples').toBeGreaterThan(0.05);
    tf.dispose([x, result.image, result.level]);
  });

  it('keeps a constant image constant, borders included (reflected borders, weights summing to 1; 1e-6)', async () => {
    const x = tf.fill([2, 5, 6, 3], 0.7) as tf.Tensor4D;
    const result = gaussianBlur({ sigma: 1.5, kernelSize: 5, probability: 1 }).train(x, { rng: createRng(1) });
    const values = await result.image.data();
    expect(Math.max(...values.map((v) => Math.abs(v - 0.7)))).toBeLessThan(1e-6);
    tf.dispose([x, result.image, result.level]);
  });

  it('does not mix channels or examples', async () => {
    // Example 0 channel 1 and example 1 channel 0 hold a delta; everything else is 0.
    const values = new Float32Array(2 * 81 * 2);
    values[((0 * 9 + 4) * 9 + 4) * 2 + 1] = 1;
    values[((1 * 9 + 4) * 9 + 4) * 2 + 0] = 1;
    const x = tf.tensor4d(values, [2, 9, 9, 2]);
    const result = gaussianBlur({ sigma: 0.8, kernelSize: 3, probability: 1 }).train(x, { rng: createRng(1) });
    const out = (await result.image.data()) as Float32Array;
    const zero = Array.from({ length: 9 }, () => new Array<number>(9).fill(0));
    expect(maxDeviation(imageAt(out, 0, 1, 2), gaussian2d(0.8, 3))).toBeLessThan(1e-6);
    expect(maxDeviation(imageAt(out, 1, 0, 2), gaussian2d(0.8, 3))).toBeLessThan(1e-6);
    expect(maxDeviation(imageAt(out, 0, 0, 2), zero)).toBe(0);
    expect(maxDeviation(imageAt(out, 1, 1, 2), zero)).toBe(0);
    tf.dispose([x, result.image, result.level]);
  });
});

describe('gaussianBlur: which examples are blurred', () => {
  it('blurs a fraction 0.5 of 4 000 examples, within 5 standard errors (±0.040), and leaves the rest exactly as they were', async () => {
    const batch = 4000;
    const x = makeLowRes(batch, 4, 1);
    const result = gaussianBlur({ probability: 0.5 }).train(x, { rng: createRng(2021) });
    const [before, after] = [await x.data(), await result.image.data()];
    let blurred = 0;
    for (let b = 0; b < batch; b++) {
      let changed = false;
      for (let i = b * 16; i < (b + 1) * 16; i++) if (before[i] !== after[i]) changed = true;
      if (changed) blurred++;
    }
    const tolerance = 5 * Math.sqrt((0.5 * 0.5) / batch);
    expect(Math.abs(blurred / batch - 0.5)).toBeLessThan(tolerance);
    tf.dispose([x, result.image, result.level]);
  });

  it('probability 0 is the identity, and so is sampling, at any level and hand-over', async () => {
    const x = makeLowRes(3);
    const expected = Array.from(await x.data());
    const policy = gaussianBlur({ probability: 1, sigma: 2, kernelSize: 5 });
    const results = [
      gaussianBlur({ probability: 0 }).train(x, { rng: createRng(0) }),
      policy.sample(x, { rng: createRng(0) }, { level: 0, handover: 'clean' }),
      policy.sample(x, { rng: createRng(0) }, { level: 100, handover: 'truncated' }),
    ];
    for (const result of results) {
      expect(result.image).not.toBe(x);
      expect(Array.from(await result.image.data())).toEqual(expected);
      expect(Array.from(await result.level.data())).toEqual([0, 0, 0]);
    }
    tf.dispose([x, ...results.flatMap((r) => [r.image, r.level])]);
  });

  it('the same seed gives the same blur, another seed another', async () => {
    const x = makeLowRes(8);
    const run = async (seed: number) => {
      const result = gaussianBlur().train(x, { rng: createRng(seed) });
      const values = Array.from(await result.image.data());
      tf.dispose([result.image, result.level]);
      return values;
    };
    expect(await run(3)).toEqual(await run(3));
    expect(await run(3)).not.toEqual(await run(4));
    x.dispose();
  });
});

describe('gaussianBlur: options are checked with coded errors', () => {
  const bad = (options: unknown) => () => gaussianBlur(options as never);
  it('refuses bad options, naming the option', () => {
    expectCode(bad({ sigma: -0.1 }), /gaussian-blur option sigma: expected a number in \[0, ∞\] or a range/);
    expectCode(bad({ sigma: [0.6, 0.4] }), /option sigma/);
    expectCode(bad({ sigma: [-1, 0.4] }), /option sigma/);
    expectCode(bad({ sigma: [0.4] }), /option sigma/);
    expectCode(bad({ probability: 1.5 }), /gaussian-blur option probability: expected a finite number in \[0, 1\], got 1.5/);
    expectCode(bad({ probability: -0.1 }), /option probability/);
    expectCode(bad({ kernelSize: 4 }), /gaussian-blur option kernelSize: expected an odd integer ≥ 1, got 4/);
    expectCode(bad({ kernelSize: 0 }), /option kernelSize/);
    expectCode(bad({ kernelSize: 2.5 }), /option kernelSize/);
    expectCode(bad({ sigmas: 1 }), /gaussian-blur option "sigmas": expected one of sigma, kernelSize, probability/);
  });

  it('refuses images smaller than the kernel radius with a shape error, leaking nothing', () => {
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => gaussianBlur({ kernelSize: 5, probability: 1 }).train(x, { rng: createRng(0) })).toThrow(/CDM_SHAPE_MISMATCH/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('gaussianBlur on the wasm backend', () => {
  it('gives the same result as on cpu (1e-6)', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const run = async () => {
      const x = makeLowRes(5, 8, 3);
      const result = gaussianBlur({ sigma: [0.5, 1.5], kernelSize: 5, probability: 0.7 }).train(x, { rng: createRng(9) });
      const values = await result.image.data();
      tf.dispose([x, result.image, result.level]);
      return values;
    };
    const onCpu = await run();
    await tf.setBackend('wasm');
    try {
      const onWasm = await run();
      expect(Math.max(...onCpu.map((v, i) => Math.abs(v - onWasm[i]!)))).toBeLessThan(1e-6);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

describeAugmentationConformance('gaussian-blur', () => gaussianBlur(), { levels: [0, 100] });
describeAugmentationConformance('gaussian-blur (always, 5×5)', () => gaussianBlur({ sigma: [0.5, 2], kernelSize: 5, probability: 1 }));

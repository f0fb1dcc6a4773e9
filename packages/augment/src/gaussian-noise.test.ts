import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNoiseSchedule, createRng, isCdmError, randomNormal } from '@cdm/core';
import { describeAugmentationConformance, makeLowRes } from '@cdm/core/testing';
import { gaussianNoise } from './gaussian-noise';

/**
 * ᾱ at level s, computed here independently of core in float64:
 * cosine: ᾱ_s = f(s/T)/f(0), f(u) = cos²((u + 0.008)/1.008 · π/2) (improved DDPM, eq. 17; the 0.999
 * cap on β only bites in the last few steps, which these tests avoid);
 * linear: ᾱ_s = ∏_{i<s} (1 − β_i) with β_i = 10⁻⁴ + (0.02 − 10⁻⁴)·i/(T − 1) for T = 1000 (DDPM).
 */
const cosineAlphaBar = (s: number, T: number) => {
  const f = (u: number) => Math.cos(((u + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return f(s / T) / f(0);
};
const linearAlphaBar = (s: number) => {
  let product = 1;
  for (let i = 0; i < s; i++) product *= 1 - (1e-4 + ((0.02 - 1e-4) * i) / 999);
  return product;
};

const cosine = { name: 'cosine', numTimesteps: 1000 } as const;
const expectCode = (f: () => unknown, code: string, text: RegExp) => {
  let thrown: unknown;
  try {
    f();
  } catch (error) {
    thrown = error;
  }
  expect(isCdmError(thrown), `expected a CdmError, got ${String(thrown)}`).toBe(true);
  expect((thrown as Error & { code: string }).code).toBe(code);
  expect((thrown as Error).message).toMatch(text);
};

/** Mean and variance of (z − √ᾱ·x)/√(1 − ᾱ), which must be standard normal under q(z_s | x). */
function standardisedMoments(z: Float32Array, x: Float32Array, alphaBar: number) {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < z.length; i++) {
    const r = (z[i]! - Math.sqrt(alphaBar) * x[i]!) / Math.sqrt(1 - alphaBar);
    sum += r;
    sumSq += r * r;
  }
  const n = z.length;
  const mean = sum / n;
  return { mean, variance: (sumSq - n * mean * mean) / (n - 1), n };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('gaussianNoise: statistics of q(z_s | z_0)', () => {
  // 6 144 values per level: 5 standard errors are 5/√n ≈ 0.064 for the mean of a standard normal and
  // 5·√(2/(n − 1)) ≈ 0.090 for its variance.
  const cases = [
    { schedule: 'cosine', levels: [1, 10, 100, 500, 900], alphaBar: (s: number) => cosineAlphaBar(s, 1000) },
    { schedule: 'linear', levels: [1, 250, 1000], alphaBar: linearAlphaBar },
  ] as const;
  for (const { schedule, levels, alphaBar } of cases) {
    it(`${schedule}: sample(clean) at levels ${levels.join(', ')} has mean √ᾱ·z_0 and variance 1 − ᾱ (5 standard errors)`, async () => {
      const policy = gaussianNoise({ maxLevel: 1000, schedule: { name: schedule, numTimesteps: 1000 } });
      const x = makeLowRes(8, 16, 3);
      const xValues = (await x.data()) as Float32Array;
      for (const level of levels) {
        const result = policy.sample(x, { rng: createRng(level) }, { level, handover: 'clean' });
        const { mean, variance, n } = standardisedMoments((await result.image.data()) as Float32Array, xValues, alphaBar(level));
        expect(Math.abs(mean), `level ${level}: mean of the standardised residual`).toBeLessThan(5 / Math.sqrt(n));
        expect(Math.abs(variance - 1), `level ${level}: variance of the standardised residual`).toBeLessThan(5 * Math.sqrt(2 / (n - 1)));
        expect(Array.from(await result.level.data())).toEqual(new Array(8).fill(level));
        tf.dispose([result.image, result.level]);
      }
      x.dispose();
    });
  }

  it('train(amortized): each example is z_s at its own reported level, s uniform on 0…maxLevel', async () => {
    const policy = gaussianNoise({ maxLevel: 600, schedule: cosine });
    const batch = 2048;
    const x = makeLowRes(batch, 4, 3); // 48 values per example
    const result = policy.train(x, { rng: createRng(5) });
    const [z, xs, levels] = [(await result.image.data()) as Float32Array, (await x.data()) as Float32Array, await result.level.data()];
    const per = 48;
    let sum = 0;
    let sumSq = 0;
    let n = 0;
    for (let b = 0; b < batch; b++) {
      const s = levels[b]!;
      expect(Number.isInteger(s) && s >= 0 && s <= 600).toBe(true);
      const zb = z.subarray(b * per, (b + 1) * per);
      const xb = xs.subarray(b * per, (b + 1) * per);
      if (s === 0) {
        expect(Array.from(zb)).toEqual(Array.from(xb)); // level 0 is the clean image, exactly
        continue;
      }
      const ab = cosineAlphaBar(s, 1000);
      for (let i = 0; i < per; i++) {
        const r = (zb[i]! - Math.sqrt(ab) * xb[i]!) / Math.sqrt(1 - ab);
        sum += r;
        sumSq += r * r;
        n++;
      }
    }
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs((sumSq - n * mean * mean) / (n - 1) - 1)).toBeLessThan(5 * Math.sqrt(2 / (n - 1)));
    // Uniform on 0…600: mean 300, variance (601² − 1)/12; the sample mean within 5 standard errors.
    const levelMean = Array.from(levels).reduce((a, b) => a + b, 0) / batch;
    expect(Math.abs(levelMean - 300)).toBeLessThan(5 * Math.sqrt((601 ** 2 - 1) / 12 / batch));
    tf.dispose([x, result.image, result.level]);
  });

  it('train(amortized) with maxLevel 3 hits every level equally often (counts within 5 standard errors)', async () => {
    const policy = gaussianNoise({ maxLevel: 3, schedule: cosine });
    const x = tf.zeros([4000, 1, 1, 1]) as tf.Tensor4D;
    const result = policy.train(x, { rng: createRng(11) });
    const counts = [0, 0, 0, 0];
    for (const s of await result.level.data()) counts[s]! += 1;
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(5 * Math.sqrt(4000 * 0.25 * 0.75));
    tf.dispose([x, result.image, result.level]);
  });

  it('train follows the documented draws: B levels by rng.int, then B·H·W·C normals (float64 re-computation, 1e-6)', async () => {
    const schedule = createNoiseSchedule('cosine', 1000);
    const policy = gaussianNoise({ maxLevel: 999, schedule });
    const x = makeLowRes(3, 4, 2);
    const result = policy.train(x, { rng: createRng(99) });
    const replay = createRng(99);
    const levels = [0, 1, 2].map(() => replay.int(1000));
    const eps = randomNormal(replay, x.shape);
    const [z, xs, e] = [await result.image.data(), await x.data(), await eps.data()];
    expect(Array.from(await result.level.data())).toEqual(levels);
    for (let i = 0; i < z.length; i++) {
      const ab = cosineAlphaBar(levels[Math.floor(i / 32)]!, 1000);
      expect(Math.abs(z[i]! - (Math.sqrt(ab) * xs[i]! + Math.sqrt(1 - ab) * e[i]!))).toBeLessThan(1e-6);
    }
    tf.dispose([x, eps, result.image, result.level]);
  });

  it("mode 'fixed' trains every example at maxLevel", async () => {
    const policy = gaussianNoise({ maxLevel: 42, schedule: cosine, mode: 'fixed' });
    const x = makeLowRes(5);
    const result = policy.train(x, { rng: createRng(1) });
    expect(Array.from(await result.level.data())).toEqual([42, 42, 42, 42, 42]);
    tf.dispose([x, result.image, result.level]);
  });
});

describe('gaussianNoise: hand-over at sampling time', () => {
  it("'truncated' returns z_s unchanged (a new tensor) with level s: no noise is added twice", async () => {
    const policy = gaussianNoise({ maxLevel: 250, schedule: cosine });
    const zs = makeLowRes(2);
    const result = policy.sample(zs, { rng: createRng(3) }, { level: 200, handover: 'truncated' });
    expect(result.image).not.toBe(zs);
    expect(Array.from(await result.image.data())).toEqual(Array.from(await zs.data()));
    expect(Array.from(await result.level.data())).toEqual([200, 200]);
    tf.dispose([zs, result.image, result.level]);
  });

  it("'clean' at level 0 is the identity, and 'clean' at level s > 0 differs from 'truncated'", async () => {
    const policy = gaussianNoise({ maxLevel: 250, schedule: cosine });
    const x = makeLowRes(2);
    const atZero = policy.sample(x, { rng: createRng(3) }, { level: 0, handover: 'clean' });
    expect(Array.from(await atZero.image.data())).toEqual(Array.from(await x.data()));
    const noised = policy.sample(x, { rng: createRng(3) }, { level: 50, handover: 'clean' });
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(noised.image, x))));
    expect((await difference.data())[0]).toBeGreaterThan(0.01);
    tf.dispose([x, atZero.image, atZero.level, noised.image, noised.level, difference]);
  });

  it('the same seed gives the same noise, another seed other noise', async () => {
    const policy = gaussianNoise({ maxLevel: 250, schedule: cosine });
    const x = makeLowRes(2);
    const run = async (seed: number) => {
      const result = policy.sample(x, { rng: createRng(seed) }, { level: 100, handover: 'clean' });
      const values = Array.from(await result.image.data());
      tf.dispose([result.image, result.level]);
      return values;
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
    x.dispose();
  });
});

describe('gaussianNoise: options and parameters are checked with coded errors', () => {
  it('refuses bad options, naming the option', () => {
    const bad = (options: unknown) => () => gaussianNoise(options as never);
    expectCode(bad({ maxLevel: 1001, schedule: cosine }), 'CDM_INVALID_ARGUMENT', /gaussian-noise option maxLevel: .*T = 1000.*got 1001/);
    expectCode(bad({ maxLevel: -1, schedule: cosine }), 'CDM_INVALID_ARGUMENT', /option maxLevel/);
    expectCode(bad({ maxLevel: 2.5, schedule: cosine }), 'CDM_INVALID_ARGUMENT', /option maxLevel/);
    expectCode(bad({ schedule: cosine }), 'CDM_INVALID_ARGUMENT', /option maxLevel/);
    expectCode(bad({ maxLevel: 10 }), 'CDM_INVALID_ARGUMENT', /option schedule: /);
    expectCode(bad({ maxLevel: 10, schedule: cosine, mode: 'sometimes' }), 'CDM_INVALID_ARGUMENT', /option mode: expected one of "amortized", "fixed", got "sometimes"/);
    expectCode(bad({ maxLevel: 10, schedule: cosine, maxlevel: 3 }), 'CDM_INVALID_ARGUMENT', /option "maxlevel"/);
    expectCode(bad({ maxLevel: 10, schedule: { name: 'cosine', numTimesteps: 0 } }), 'CDM_INVALID_ARGUMENT', /schedule.numTimesteps/);
    expectCode(bad({ maxLevel: 10, schedule: { name: 'nope', numTimesteps: 10 } }), 'CDM_UNKNOWN_PLUGIN', /noise schedule "nope"/);
    expectCode(bad('cosine'), 'CDM_INVALID_ARGUMENT', /gaussian-noise options/);
  });

  it('refuses a respaced schedule: levels count trained steps', () => {
    const respaced = { ...createNoiseSchedule('cosine', 100), timestepMap: Int32Array.from({ length: 100 }, (_, i) => 10 * i) };
    expectCode(() => gaussianNoise({ maxLevel: 10, schedule: respaced }), 'CDM_INVALID_ARGUMENT', /not a respaced one/);
  });

  it('refuses sample levels it was not trained on, and an unknown hand-over, leaking nothing', () => {
    const amortized = gaussianNoise({ maxLevel: 250, schedule: cosine });
    const fixed = gaussianNoise({ maxLevel: 250, schedule: cosine, mode: 'fixed' });
    const x = makeLowRes(1);
    const before = tf.memory().numTensors;
    const context = { rng: createRng(0) };
    expectCode(() => amortized.sample(x, context, { level: 251, handover: 'clean' }), 'CDM_INVALID_ARGUMENT', /^Invalid gaussian-noise sample level: expected an integer level it was trained on, 0…250, got 251/);
    expectCode(() => amortized.sample(x, context, { level: 1.5, handover: 'truncated' }), 'CDM_INVALID_ARGUMENT', /sample level/);
    expectCode(() => fixed.sample(x, context, { level: 100, handover: 'clean' }), 'CDM_INVALID_ARGUMENT', /sample level: expected the trained level 250 \(mode "fixed"\), got 100/);
    expectCode(() => amortized.sample(x, context, { level: 1, handover: 'later' as never }), 'CDM_INVALID_ARGUMENT', /Invalid gaussian-noise sample handover: expected "clean" or "truncated", got "later"/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('gaussianNoise on the wasm backend', () => {
  it('gives the same result as on cpu (noise is drawn in JavaScript; 1e-6)', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const run = async () => {
      const x = makeLowRes(3);
      const result = gaussianNoise({ maxLevel: 500, schedule: cosine }).train(x, { rng: createRng(4) });
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

describeAugmentationConformance('gaussian-noise (amortized)', () => gaussianNoise({ maxLevel: 250, schedule: cosine }), { levels: [0, 1, 250] });
describeAugmentationConformance('gaussian-noise (fixed)', () => gaussianNoise({ maxLevel: 250, schedule: cosine, mode: 'fixed' }), { levels: [250] });

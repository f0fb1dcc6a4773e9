import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { AugmentationContext, AugmentationPolicy, AugmentationResult } from '../contracts/augmentation-policy';
import { createRng } from '../rng';

/**
 * The individual checks behind `describeAugmentationConformance`, exported so a test can run one
 * against a deliberately broken policy. They run on tfjs' current backend, read results with
 * `await t.data()` only, and fail through vitest's `expect`.
 */
export interface AugmentationCheckOptions {
  /** Height and width of the low-resolution test images. Default 8. */
  readonly resolution?: number;
  /** Channels of the test images. Default 3. */
  readonly channels?: number;
  /** Batch sizes to try. Default [1, 3]. */
  readonly batchSizes?: readonly number[];
}

/** One way of invoking a policy: `train()`, or `sample()` at one level and handover. */
export interface AugmentationCall {
  readonly label: string;
  run(policy: AugmentationPolicy, lowRes: tf.Tensor4D, context: AugmentationContext): AugmentationResult;
}

/** `train()`, then `sample()` with each handover at each level. */
export function augmentationCalls(levels: readonly number[] = [0]): AugmentationCall[] {
  const calls: AugmentationCall[] = [{ label: 'train()', run: (policy, lowRes, context) => policy.train(lowRes, context) }];
  for (const level of levels) {
    for (const handover of ['clean', 'truncated'] as const) {
      calls.push({
        label: `sample(level ${level}, '${handover}')`,
        run: (policy, lowRes, context) => policy.sample(lowRes, context, { level, handover }),
      });
    }
  }
  return calls;
}

const INPUT_SEED = 20211;
const SEED_A = 1;
const SEED_B = 2;

/** A seeded batch of low-resolution images, uniform in [−1, 1]. */
export function makeLowRes(batch: number, resolution = 8, channels = 3, seed = INPUT_SEED): tf.Tensor4D {
  const values = createRng(seed + batch).uniformArray(batch * resolution * resolution * channels).map((u) => 2 * u - 1);
  return tf.tensor4d(values, [batch, resolution, resolution, channels], 'float32');
}

const batchesOf = (options: AugmentationCheckOptions) => options.batchSizes ?? [1, 3];
const inputFor = (batch: number, options: AugmentationCheckOptions) => makeLowRes(batch, options.resolution ?? 8, options.channels ?? 3);

/** Disposes a result's tensors, but never the input, even if the policy handed it back. */
function disposeResult(result: AugmentationResult | undefined, input: tf.Tensor): void {
  if (result === undefined) return;
  tf.dispose([result.image, result.level].filter((t) => t !== input));
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

export function checkAugmentationName(policy: AugmentationPolicy): void {
  expect(typeof policy.name === 'string' && policy.name.trim() !== '', 'policy.name must be a non-empty string').toBe(true);
}

/** The result is a float32 image of the input's shape and a float32 level of shape [B], all finite. */
export async function checkAugmentationOutputs(policy: AugmentationPolicy, call: AugmentationCall, options: AugmentationCheckOptions = {}): Promise<void> {
  for (const batch of batchesOf(options)) {
    const lowRes = inputFor(batch, options);
    let result: AugmentationResult | undefined;
    try {
      result = call.run(policy, lowRes, { rng: createRng(SEED_A) });
      const where = `${call.label} with batch ${batch}`;
      expect(result.image.shape, `${where}: image shape`).toEqual(lowRes.shape);
      expect(result.image.dtype, `${where}: image dtype`).toBe('float32');
      expect(result.level.shape, `${where}: level shape`).toEqual([batch]);
      expect(result.level.dtype, `${where}: level dtype`).toBe('float32');
      for (const [what, t] of [['image', result.image], ['level', result.level]] as const) {
        const values = (await t.data()) as Float32Array;
        const bad = firstNonFinite(values);
        expect(bad, `${where}: ${what} has a non-finite value (${values[bad]}) at flat index ${bad}`).toBe(-1);
      }
    } finally {
      disposeResult(result, lowRes);
      lowRes.dispose();
    }
  }
}

/**
 * The same rng seed gives bit-identical results (fresh policies from `createPolicy` each time).
 * A different seed may give the same result (a policy may be deterministic); the return value
 * says whether any result depended on the seed.
 */
export async function checkAugmentationDeterminism(
  createPolicy: () => AugmentationPolicy,
  call: AugmentationCall,
  options: AugmentationCheckOptions = {},
): Promise<{ dependsOnSeed: boolean }> {
  let dependsOnSeed = false;
  for (const batch of batchesOf(options)) {
    const runOnce = async (seed: number) => {
      const lowRes = inputFor(batch, options);
      let result: AugmentationResult | undefined;
      try {
        result = call.run(createPolicy(), lowRes, { rng: createRng(seed) });
        return { image: await result.image.data(), level: await result.level.data() };
      } finally {
        disposeResult(result, lowRes);
        lowRes.dispose();
      }
    };
    const [first, again, other] = [await runOnce(SEED_A), await runOnce(SEED_A), await runOnce(SEED_B)];
    const same = sameBits(first.image, again.image) && sameBits(first.level, again.level);
    expect(
      same,
      `${call.label} with batch ${batch}: two runs with the same rng seed gave different results; ` +
        'draw all randomness from context.rng (not Math.random or tf.random*)',
    ).toBe(true);
    if (!sameBits(first.image, other.image) || !sameBits(first.level, other.level)) dependsOnSeed = true;
  }
  return { dependsOnSeed };
}

/** The input is neither disposed nor changed, and the result's tensors are new ones. */
export async function checkAugmentationInputUntouched(policy: AugmentationPolicy, call: AugmentationCall, options: AugmentationCheckOptions = {}): Promise<void> {
  for (const batch of batchesOf(options)) {
    const lowRes = inputFor(batch, options);
    const before = Float32Array.from(await lowRes.data());
    let result: AugmentationResult | undefined;
    try {
      result = call.run(policy, lowRes, { rng: createRng(SEED_A) });
      const where = `${call.label} with batch ${batch}`;
      expect(lowRes.isDisposed, `${where} disposed its input`).toBe(false);
      const aliased = result.image === lowRes || (result.level as tf.Tensor) === lowRes;
      expect(aliased, `${where} returned its input tensor itself; return new tensors the caller owns (e.g. tf.clone)`).toBe(false);
      disposeResult(result, lowRes);
      expect(sameBits(before, await lowRes.data()), `${where} changed its input's values`).toBe(true);
    } finally {
      disposeResult(result, lowRes);
      lowRes.dispose();
    }
  }
}

/** Once the result is disposed, as many tensors are alive as before the call. */
export async function checkAugmentationTensorLeaks(policy: AugmentationPolicy, call: AugmentationCall, options: AugmentationCheckOptions = {}): Promise<void> {
  for (const batch of batchesOf(options)) {
    const lowRes = inputFor(batch, options);
    let result: AugmentationResult | undefined;
    try {
      const before = tf.memory().numTensors;
      result = call.run(policy, lowRes, { rng: createRng(SEED_A) });
      await result.image.data(); // let lazily scheduled work finish before counting
      disposeResult(result, lowRes);
      const leaked = tf.memory().numTensors - before;
      const why = leaked > 0 ? `left ${leaked} tensor(s) alive` : `disposed ${-leaked} tensor(s) it did not own`;
      expect(leaked, `${call.label} with batch ${batch} ${why} once its result was disposed`).toBe(0);
    } finally {
      disposeResult(result, lowRes);
      lowRes.dispose();
    }
  }
}

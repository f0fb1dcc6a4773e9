import type { Tensor } from '@tensorflow/tfjs-core';
import { assert } from 'vitest';
import type { NdArray } from './reference-ops';

/** How far a backend's result is from its float64 reference. */
export interface Comparison {
  readonly label: string;
  /** max |got − reference| divided by max |reference| (Infinity on a shape mismatch or NaN). */
  readonly relativeError: number;
  readonly tolerance: number;
  readonly ok: boolean;
  /** One line saying where the worst element is, for the test report. */
  readonly message: string;
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : String(v));

/**
 * Compares `got` with `expected` relative to the reference's largest magnitude: the error is
 * max_i |got_i − ref_i| / max_i |ref_i|, so small elements are held to the same absolute
 * precision as large ones.
 */
export function compareToReference(
  label: string,
  got: { readonly shape: readonly number[]; readonly values: ArrayLike<number> },
  expected: NdArray,
  tolerance: number,
): Comparison {
  const sameShape = got.shape.length === expected.shape.length && got.shape.every((d, i) => d === expected.shape[i]);
  if (!sameShape || got.values.length !== expected.values.length) {
    const message = `${label}: shape [${got.shape.join(', ')}], reference shape [${expected.shape.join(', ')}]`;
    return { label, relativeError: Infinity, tolerance, ok: false, message };
  }
  let scale = 0;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  let worst = -1;
  let worstDiff = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const diff = Math.abs(got.values[i]! - expected.values[i]!);
    const d = Number.isNaN(diff) ? Infinity : diff;
    if (d > worstDiff) [worst, worstDiff] = [i, d];
  }
  const relativeError = worstDiff <= 0 ? 0 : worstDiff / (scale > 0 ? scale : 1);
  const ok = relativeError <= tolerance;
  const message =
    worst < 0
      ? `${label}: empty`
      : `${label}: max |got − reference| = ${fmt(worstDiff)} at flat index ${worst} (got ${fmt(got.values[worst]!, 7)}, ` +
        `reference ${fmt(expected.values[worst]!, 7)}), ${fmt(relativeError * 100)} % of max |reference| = ${fmt(scale)}; ` +
        `tolerance ${fmt(tolerance * 100)} %`;
  return { label, relativeError, tolerance, ok, message };
}

/** Fails the current test, listing every comparison outside its tolerance. */
export function assertClose(comparisons: readonly Comparison[]): void {
  const failed = comparisons.filter((c) => !c.ok);
  if (failed.length > 0) assert.fail(failed.map((c) => c.message).join('\n'));
}

/**
 * Reads a tensor the way the backend allows: always `await t.data()`, and unless
 * `asyncReadsOnly`, also `dataSync()`, which must return the same values.
 */
export async function readValues(t: Tensor, asyncReadsOnly: boolean): Promise<ArrayLike<number>> {
  const values = (await t.data()) as ArrayLike<number>;
  if (!asyncReadsOnly) {
    const sync = t.dataSync() as ArrayLike<number>;
    const same = sync.length === values.length && Array.prototype.every.call(sync, (v: number, i: number) => Object.is(v, values[i]));
    if (!same) assert.fail(`dataSync() returned different values from data() for a tensor of shape [${t.shape.join(', ')}]`);
  }
  return values;
}

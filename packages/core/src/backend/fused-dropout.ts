import * as tf from '@tensorflow/tfjs-core';
import { philox4x32 } from '../philox';

/**
 * The fused dropout contract between models and backends, like the fused SiLU's: inverted dropout
 * whose mask is a pure function of a key and each element's index (Philox4x32-10), so that no mask
 * is drawn in JavaScript, none is kept for the backward pass, and every backend drops the same
 * elements.
 *
 * - `CdmDropout`: inputs `{ x }` (float32, any shape); attributes {@link DropoutAttrs}; output of x's
 *   shape: element i is `x[i]·0` when it is dropped, else `x[i]·scale`. Element i is dropped when
 *   the top 24 bits of word `i mod 4` of `philox4x32([⌊i/4⌋ mod 2³², ⌊i/2³⁴⌋, 0, 0], [key0, key1])`
 *   are below `threshold`.
 *
 * Dropout is linear in x for a fixed mask, so its gradient is the same kernel with the same
 * attributes applied to dy.
 */
export const DROPOUT_KERNEL = 'CdmDropout';

export interface DropoutAttrs {
  /** The Philox key, two unsigned 32-bit words. */
  readonly key0: number;
  readonly key1: number;
  /** Elements whose 24-bit draw is below this are dropped: round(rate · 2²⁴). */
  readonly threshold: number;
  /** What kept elements are multiplied by: 1 / (1 − rate), rounded to float32. */
  readonly scale: number;
}

/** The attributes for dropping at `rate` under the key (key0, key1). */
export function dropoutAttrs(rate: number, key0: number, key1: number): DropoutAttrs {
  return { key0: key0 >>> 0, key1: key1 >>> 0, threshold: Math.round(rate * 2 ** 24), scale: Math.fround(1 / (1 - rate)) };
}

/** Whether the tfjs backend `backendName` (default: the current one) registers the fused dropout kernel. */
export function hasFusedDropout(backendName: string = tf.getBackend()): boolean {
  return tf.getKernel(DROPOUT_KERNEL, backendName) !== undefined;
}

/**
 * The contract's mask in JavaScript: `size` multipliers (0 or `scale`), element i as the kernel
 * defines it. The composite path multiplies by it; backends' kernels are tested against it.
 */
export function dropoutMask(size: number, attrs: DropoutAttrs): Float32Array {
  const mask = new Float32Array(size);
  const words = new Uint32Array(4);
  const counter = [0, 0, 0, 0];
  const key = [attrs.key0, attrs.key1];
  for (let block = 0; block * 4 < size; block++) {
    counter[0] = block % 2 ** 32;
    counter[1] = Math.floor(block / 2 ** 32);
    philox4x32(counter, key, words);
    for (let j = 0; j < 4 && block * 4 + j < size; j++) mask[block * 4 + j] = words[j]! >>> 8 < attrs.threshold ? 0 : attrs.scale;
  }
  return mask;
}

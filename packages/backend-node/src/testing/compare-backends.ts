import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng, type Rng } from '@cdm/core';

/** Seeded float32 values in [−1, 1): the same on every backend. */
export function seededValues(rng: Rng, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => 2 * rng.uniform() - 1);
}

export interface BackendComparison {
  /** max |got − reference| / max |reference| over all outputs. */
  readonly relativeError: number;
  readonly shapes: number[][];
}

/**
 * Runs `compute` (which builds its inputs from `rng`) on the 'cpu' backend and on `backendName`,
 * and compares every output. Returns the worst relative error; throws if shapes differ.
 */
export async function compareWithCpu(backendName: string, seed: number, compute: (rng: Rng) => tf.Tensor | tf.Tensor[]): Promise<BackendComparison> {
  const runOn = async (name: string) => {
    await tf.setBackend(name);
    const out = tf.tidy(() => compute(createRng(seed)));
    const list = Array.isArray(out) ? out : [out];
    const values = await Promise.all(list.map(async (t) => ({ shape: t.shape, data: await t.data() })));
    tf.dispose(list);
    return values;
  };
  const reference = await runOn('cpu');
  const got = await runOn(backendName);
  let scale = 0;
  let worst = 0;
  reference.forEach((ref, i) => {
    const other = got[i]!;
    if (other.shape.join() !== ref.shape.join()) throw new Error(`output ${i}: shape [${other.shape}] on ${backendName}, [${ref.shape}] on cpu`);
    for (let j = 0; j < ref.data.length; j++) {
      scale = Math.max(scale, Math.abs(ref.data[j]!));
      worst = Math.max(worst, Math.abs(Number(other.data[j]) - Number(ref.data[j])));
    }
  });
  return { relativeError: worst / Math.max(scale, 1e-30), shapes: reference.map((r) => r.shape) };
}

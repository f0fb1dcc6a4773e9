import * as tf from '@tensorflow/tfjs-core';
import type { DenoiseFn, DenoiserCondition } from '../contracts/denoiser';
import { errors } from '../errors';
import { meanFlat } from '../losses/mean-flat';
import { randomNormal } from '../random-normal';
import type { Rng } from '../rng';
import { yieldToEventLoop } from '../yield-to-event-loop';
import type { GaussianDiffusion } from './gaussian-diffusion';

export interface VlbBpdOptions {
  readonly rng: Rng;
  readonly condition?: DenoiserCondition;
  /** Clip x_0 estimates to [−1, 1] for the KL terms. Default true (as the reference evaluation does). */
  readonly clipDenoised?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Per-example results, each a float32 array of length B; `terms[t]` is L_t for process index t. */
export interface VlbBpdResult {
  /** The full bound: Σ_t L_t + L_prior, in bits per dimension (an upper bound on the NLL). */
  readonly total: Float32Array;
  readonly prior: Float32Array;
  readonly terms: readonly Float32Array[];
  /** Mean squared error of the x_0 and ε estimates per process index, for diagnostics. */
  readonly x0Mse: readonly Float32Array[];
  readonly epsMse: readonly Float32Array[];
}

/**
 * Evaluates every term of the variational bound for data `x0` (8-bit values scaled to [−1, 1]):
 * one model call per timestep of `diffusion` (respace it to evaluate with fewer, where the bound
 * then refers to the respaced process).
 */
export async function vlbBpd(diffusion: GaussianDiffusion, model: DenoiseFn, x0: tf.Tensor4D, options: VlbBpdOptions): Promise<VlbBpdResult> {
  const T = diffusion.numTimesteps;
  const batch = x0.shape[0];
  const map = diffusion.schedule.timestepMap;
  const terms: Float32Array[] = new Array<Float32Array>(T);
  const x0Mse: Float32Array[] = new Array<Float32Array>(T);
  const epsMse: Float32Array[] = new Array<Float32Array>(T);
  for (let t = T - 1; t >= 0; t--) {
    if (options.signal?.aborted) throw errors.aborted('Likelihood evaluation');
    const noise = randomNormal<tf.Rank.R4>(options.rng, x0.shape);
    const [vb, x0Error, epsError] = tf.tidy(() => {
      const xt = diffusion.qSample(x0, t, noise);
      const output = model(xt, tf.fill([batch], map[t]!, 'int32') as tf.Tensor1D, options.condition);
      const term = diffusion.vbTerm(output, x0, xt, t, { clipDenoised: options.clipDenoised ?? true });
      const predEps = diffusion.predictEpsFromX0(xt, t, term.predX0);
      return [term.output, meanFlat(tf.squaredDifference(term.predX0, x0)), meanFlat(tf.squaredDifference(predEps, noise))];
    });
    noise.dispose();
    try {
      terms[t] = (await vb.data()) as Float32Array;
      x0Mse[t] = (await x0Error.data()) as Float32Array;
      epsMse[t] = (await epsError.data()) as Float32Array;
    } finally {
      tf.dispose([vb, x0Error, epsError]);
    }
    options.onProgress?.(T - t, T);
    await yieldToEventLoop();
  }
  const priorTensor = diffusion.priorBpd(x0);
  const prior = (await priorTensor.data()) as Float32Array;
  priorTensor.dispose();
  const total = Float32Array.from(prior);
  for (const term of terms) for (let b = 0; b < batch; b++) total[b] = total[b]! + term[b]!;
  return { total, prior, terms, x0Mse, epsMse };
}

import { errors } from '../errors';

/**
 * A discrete-time variance schedule β_1…β_T, held in float64. Index `i` (0-based, as in the
 * reference implementations) is the forward step that produces x_{i+1} from x_i, so
 * `alphasCumprod[i]` = ᾱ_{i+1} = ∏_{j≤i} (1 − β_j).
 *
 * A continuous-time (log-SNR) schedule plugs in by discretising itself to this form; the
 * `timestepMap` says which model timestep each index stands for.
 */
export interface NoiseSchedule {
  /** A name for logs and configs ("linear", "cosine", or a respaced description). */
  readonly name: string;
  /** Number of steps T. */
  readonly numTimesteps: number;
  /** β per index, in (0, 1]. */
  readonly betas: Float64Array;
  /** ᾱ per index: the cumulative product of 1 − β. */
  readonly alphasCumprod: Float64Array;
  /**
   * The timestep of the trained process that each index stands for, which is what a denoiser
   * is given. The identity for a schedule as trained; a subset after respacing.
   */
  readonly timestepMap: Int32Array;
}

/** A named way to build a schedule for T steps, as a `cascade.json` names it. */
export interface NoiseScheduleFactory {
  readonly name: string;
  create(numTimesteps: number): NoiseSchedule;
}

/** Validates `betas` and builds the schedule (ᾱ by float64 cumulative product). */
export function scheduleFromBetas(name: string, betas: Float64Array, timestepMap?: Int32Array): NoiseSchedule {
  if (betas.length === 0) throw errors.invalidArgument('betas', 'at least one step', betas.length);
  for (let i = 0; i < betas.length; i++) {
    const beta = betas[i]!;
    if (!(beta > 0 && beta <= 1)) throw errors.invalidArgument(`betas[${i}]`, 'a number in (0, 1]', beta);
  }
  const map = timestepMap ?? Int32Array.from(betas, (_, i) => i);
  if (map.length !== betas.length) throw errors.invalidArgument('timestepMap', `${betas.length} entries`, map.length);
  const alphasCumprod = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    product *= 1 - betas[i]!;
    alphasCumprod[i] = product;
  }
  return Object.freeze({ name, numTimesteps: betas.length, betas, alphasCumprod, timestepMap: map });
}

export function checkNumTimesteps(numTimesteps: number): void {
  if (!Number.isInteger(numTimesteps) || numTimesteps < 1) {
    throw errors.invalidArgument('numTimesteps', 'a positive integer', numTimesteps);
  }
}

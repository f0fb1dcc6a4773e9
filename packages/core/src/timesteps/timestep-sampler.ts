import { errors } from '../errors';
import type { Rng } from '../rng';

/** A value that survives `JSON.parse(JSON.stringify(value))` unchanged. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What a sampler saves into a training checkpoint: a plain JSON object. */
export interface TimestepSamplerState {
  /** The `name` of the sampler that wrote it. */
  readonly name: string;
  readonly numTimesteps: number;
  readonly [key: string]: JsonValue;
}

/**
 * Chooses the timesteps of a training batch. Sampling t from a distribution p other than the
 * uniform one is importance sampling of the uniform-t average of the loss, so each example also
 * gets the weight w_t = 1 / (T · p_t): then E_{t∼p}[w_t L_t] = Σ_t p_t L_t / (T p_t) = (1/T) Σ_t L_t,
 * and the weighted batch loss is an unbiased estimate of the uniform average (Nichol & Dhariwal
 * 2021 §3.3).
 */
export interface TimestepSampler {
  readonly name: string;
  /** T: timesteps are drawn from 0…T−1. */
  readonly numTimesteps: number;
  /** Draws `batchSize` timesteps from `rng` and their weights 1 / (T · p_t). */
  sample(batchSize: number, rng: Rng): { timesteps: Int32Array; weights: Float32Array };
  /** Reports the per-example losses of a batch (unweighted) for the timesteps they were taken at. */
  update?(timesteps: ArrayLike<number>, losses: ArrayLike<number>): void;
  /** A copy of the sampler's state, for a checkpoint. */
  state(): TimestepSamplerState;
  /** Restores a state that `state()` returned (possibly after a JSON round trip); validates it first. */
  loadState(state: unknown): void;
}

export function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw errors.invalidArgument('batchSize', 'a positive integer', batchSize);
}

/** Validates the common fields of a saved state: a plain object for this sampler and this T. */
export function checkStateHeader(
  state: unknown,
  name: string,
  numTimesteps: number,
): asserts state is Readonly<Record<string, unknown>> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw errors.invalidArgument('state', `a saved "${name}" sampler state object`, state);
  }
  const record = state as Readonly<Record<string, unknown>>;
  if (record['name'] !== name) throw errors.invalidArgument('state.name', JSON.stringify(name), record['name']);
  if (record['numTimesteps'] !== numTimesteps) {
    throw errors.invalidArgument('state.numTimesteps', `${numTimesteps} (this sampler's T)`, record['numTimesteps']);
  }
}

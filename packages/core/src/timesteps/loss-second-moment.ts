import { errors } from '../errors';
import type { Rng } from '../rng';
import { checkNumTimesteps } from '../schedules/noise-schedule';
import { checkBatchSize, checkStateHeader, type TimestepSampler, type TimestepSamplerState } from './timestep-sampler';

/** The name a loss-second-moment sampler reports and saves. */
export const LOSS_SECOND_MOMENT_TIMESTEPS = 'loss-second-moment';

export interface LossSecondMomentOptions {
  /** How many recent losses to keep per timestep; sampling stays uniform until all are full. Default 10. */
  readonly historyPerTerm?: number;
  /** Weight of the uniform distribution mixed into p, in [0, 1]. Default 0.001. */
  readonly uniformProbability?: number;
}

/** The saved state: every timestep's recent losses, so a resumed run samples exactly as before. */
export interface LossSecondMomentState extends TimestepSamplerState {
  readonly name: typeof LOSS_SECOND_MOMENT_TIMESTEPS;
  readonly historyPerTerm: number;
  /** Per timestep, its most recent losses, oldest first; at most `historyPerTerm` of them. */
  readonly history: readonly (readonly number[])[];
}

export interface LossSecondMomentTimestepSampler extends TimestepSampler {
  readonly historyPerTerm: number;
  readonly uniformProbability: number;
  /** True once every timestep has `historyPerTerm` losses recorded. */
  readonly warmedUp: boolean;
  /** The distribution p_t the next `sample` draws from (a fresh copy). */
  probabilities(): Float64Array;
  update(timesteps: ArrayLike<number>, losses: ArrayLike<number>): void;
  state(): LossSecondMomentState;
}

/**
 * Importance sampling of timesteps by the loss's second moment (Nichol & Dhariwal 2021 §3.3, eq. 18):
 * p_t ∝ √E[L_t²], with E[L_t²] estimated from each timestep's last `historyPerTerm` losses, then
 * mixed with the uniform distribution, p_t ← (1 − u) p_t + u / T, so no timestep is starved.
 * Until every timestep has a full history, t is drawn uniformly with weight 1. Weights are
 * 1 / (T · p_t), which keeps the weighted loss an unbiased estimate of the uniform-t average.
 * If every recorded loss is 0, p is uniform.
 *
 * `update` takes the unweighted per-example losses of the batch (here: one process; there is no
 * all-gather across workers).
 */
export function lossSecondMomentTimesteps(
  numTimesteps: number,
  options: LossSecondMomentOptions = {},
): LossSecondMomentTimestepSampler {
  checkNumTimesteps(numTimesteps);
  const { historyPerTerm = 10, uniformProbability = 0.001 } = options;
  if (!Number.isInteger(historyPerTerm) || historyPerTerm < 1) {
    throw errors.invalidArgument('historyPerTerm', 'a positive integer', historyPerTerm);
  }
  if (typeof uniformProbability !== 'number' || !(uniformProbability >= 0 && uniformProbability <= 1)) {
    throw errors.invalidArgument('uniformProbability', 'a number in [0, 1]', uniformProbability);
  }
  const T = numTimesteps;
  const H = historyPerTerm;

  /** Row t holds timestep t's losses, oldest first, in its first counts[t] slots. */
  let history = new Float64Array(T * H);
  let counts = new Int32Array(T);
  /** How many timesteps have a full row. */
  let fullRows = 0;
  /** Cumulative p and p itself, recomputed after any change. */
  let cache: { probabilities: Float64Array; cumulative: Float64Array } | undefined;

  const computeProbabilities = (): Float64Array => {
    const p = new Float64Array(T);
    if (fullRows < T) return p.fill(1 / T);
    let total = 0;
    for (let t = 0; t < T; t++) {
      const row = history.subarray(t * H, (t + 1) * H);
      // Root mean square, scaled by the largest |L| so that squaring cannot overflow.
      let largest = 0;
      for (const loss of row) largest = Math.max(largest, Math.abs(loss));
      let sumSquares = 0;
      if (largest > 0) for (const loss of row) sumSquares += (loss / largest) ** 2;
      p[t] = largest * Math.sqrt(sumSquares / H);
      total += p[t]!;
    }
    if (!(total > 0 && Number.isFinite(total))) return p.fill(1 / T);
    for (let t = 0; t < T; t++) p[t] = (p[t]! / total) * (1 - uniformProbability) + uniformProbability / T;
    return p;
  };

  const distribution = () => {
    if (cache === undefined) {
      const probabilities = computeProbabilities();
      const cumulative = new Float64Array(T);
      let running = 0;
      for (let t = 0; t < T; t++) cumulative[t] = running += probabilities[t]!;
      cache = { probabilities, cumulative };
    }
    return cache;
  };

  /** Inverse-CDF draw: the first t whose cumulative probability exceeds u · total. */
  const draw = (rng: Rng, probabilities: Float64Array, cumulative: Float64Array): number => {
    const target = rng.uniform() * cumulative[T - 1]!;
    let lo = 0;
    let hi = T - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    // Rounding can land the target on the very top; never return a timestep of probability 0.
    while (lo > 0 && probabilities[lo] === 0) lo--;
    return lo;
  };

  const record = (t: number, loss: number) => {
    const count = counts[t]!;
    const start = t * H;
    if (count === H) {
      history.copyWithin(start, start + 1, start + H);
      history[start + H - 1] = loss;
    } else {
      history[start + count] = loss;
      counts[t] = count + 1;
      if (count + 1 === H) fullRows++;
    }
  };

  return {
    name: LOSS_SECOND_MOMENT_TIMESTEPS,
    numTimesteps: T,
    historyPerTerm: H,
    uniformProbability,
    get warmedUp() {
      return fullRows === T;
    },
    probabilities: () => distribution().probabilities.slice(),

    sample(batchSize, rng) {
      checkBatchSize(batchSize);
      const timesteps = new Int32Array(batchSize);
      const weights = new Float32Array(batchSize);
      if (fullRows < T) {
        for (let i = 0; i < batchSize; i++) timesteps[i] = rng.int(T);
        weights.fill(1);
        return { timesteps, weights };
      }
      const { probabilities, cumulative } = distribution();
      for (let i = 0; i < batchSize; i++) {
        const t = draw(rng, probabilities, cumulative);
        timesteps[i] = t;
        weights[i] = 1 / (T * probabilities[t]!);
      }
      return { timesteps, weights };
    },

    update(timesteps, losses) {
      if (timesteps.length !== losses.length) {
        throw errors.invalidArgument('losses', `${timesteps.length} entries, one per timestep`, losses.length);
      }
      for (let i = 0; i < timesteps.length; i++) {
        const t = timesteps[i]!;
        if (!Number.isInteger(t) || t < 0 || t >= T) throw errors.timestepOutOfRange(`timesteps[${i}]`, t, T);
        if (!Number.isFinite(losses[i]!)) throw errors.nonFinite(`losses[${i}]`, 'given to the timestep sampler');
      }
      for (let i = 0; i < timesteps.length; i++) record(timesteps[i]!, losses[i]!);
      cache = undefined;
    },

    state(): LossSecondMomentState {
      const rows = Array.from({ length: T }, (_, t) => Array.from(history.subarray(t * H, t * H + counts[t]!)));
      return { name: LOSS_SECOND_MOMENT_TIMESTEPS, numTimesteps: T, historyPerTerm: H, history: rows };
    },

    loadState(state) {
      checkStateHeader(state, LOSS_SECOND_MOMENT_TIMESTEPS, T);
      if (state['historyPerTerm'] !== H) {
        throw errors.invalidArgument('state.historyPerTerm', `${H} (this sampler's historyPerTerm)`, state['historyPerTerm']);
      }
      const rows = state['history'];
      if (!Array.isArray(rows) || rows.length !== T) {
        throw errors.invalidArgument('state.history', `an array of ${T} arrays of losses`, rows);
      }
      const nextHistory = new Float64Array(T * H);
      const nextCounts = new Int32Array(T);
      let nextFull = 0;
      rows.forEach((row: unknown, t) => {
        if (!Array.isArray(row) || row.length > H) {
          throw errors.invalidArgument(`state.history[${t}]`, `an array of at most ${H} losses`, row);
        }
        row.forEach((loss: unknown, j) => {
          if (typeof loss !== 'number' || !Number.isFinite(loss)) {
            throw errors.invalidArgument(`state.history[${t}][${j}]`, 'a finite number', loss);
          }
          nextHistory[t * H + j] = loss;
        });
        nextCounts[t] = row.length;
        if (row.length === H) nextFull++;
      });
      history = nextHistory;
      counts = nextCounts;
      fullRows = nextFull;
      cache = undefined;
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import { errors } from '@cdm/core';

export interface EmaOptions {
  /** The decay rate; 0.9999 in the CDM and ADM papers. */
  readonly decay: number;
  /**
   * Use min(decay, (1 + n)/(10 + n)) at the n-th update (n = 0, 1, …), as TensorFlow's
   * `ExponentialMovingAverage(num_updates=…)` does, so that the average follows the weights early
   * in training instead of staying near the initialisation for ~1/(1 − decay) steps. Default true.
   */
  readonly warmup?: boolean;
}

export interface Ema {
  readonly decay: number;
  readonly warmup: boolean;
  /** How many updates the average has taken. */
  readonly updates: number;
  /** The averaged weights, by parameter name (separate tensors owned by the EMA). */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** The decay the next update will use. */
  nextDecay(): number;
  /** θ_ema ← d·θ_ema + (1 − d)·θ for every parameter. */
  update(): void;
  /** Restores saved averages and the update count. */
  load(updates: number, weights: ReadonlyMap<string, Float32Array>): void;
  dispose(): void;
}

/** An exponential moving average of the parameters, started at their current values. */
export function createEma(parameters: ReadonlyMap<string, tf.Variable>, options: EmaOptions): Ema {
  const { decay, warmup = true } = options;
  if (!(decay >= 0 && decay <= 1)) throw errors.invalidArgument('ema', 'a decay in [0, 1]', decay);
  const weights = new Map<string, tf.Variable>();
  tf.tidy(() => parameters.forEach((p, name) => weights.set(name, tf.variable(tf.clone(p), false)))); // tidy keeps variables
  let updates = 0;
  const nextDecay = () => (warmup ? Math.min(decay, (1 + updates) / (10 + updates)) : decay);
  return {
    decay,
    warmup,
    get updates() {
      return updates;
    },
    weights,
    nextDecay,
    update() {
      const d = nextDecay();
      tf.tidy(() => {
        for (const [name, p] of parameters) {
          const average = weights.get(name)!;
          average.assign(tf.add(tf.mul(average, d), tf.mul(p, 1 - d)));
        }
      });
      updates++;
    },
    load(savedUpdates, saved) {
      if (!Number.isInteger(savedUpdates) || savedUpdates < 0) throw errors.invalidArgument('ema.updates', 'a non-negative integer', savedUpdates);
      const problems: string[] = [];
      for (const [name, average] of weights) {
        const values = saved.get(name);
        if (values === undefined) problems.push(`${name}: missing`);
        else if (values.length !== average.size) problems.push(`${name}: ${values.length} values, expected ${average.size}`);
      }
      for (const name of saved.keys()) if (!weights.has(name)) problems.push(`${name}: not a parameter`);
      if (problems.length > 0) throw errors.checkpointMismatch('The EMA weights', problems);
      tf.tidy(() => {
        for (const [name, average] of weights) average.assign(tf.tensor(saved.get(name)!, average.shape, 'float32'));
      });
      updates = savedUpdates;
    },
    dispose() {
      tf.dispose([...weights.values()]);
    },
  };
}

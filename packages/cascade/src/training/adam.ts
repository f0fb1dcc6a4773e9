import * as tf from '@tensorflow/tfjs-core';
import { ADAM_UPDATE_KERNEL, errors, hasFusedAdam, type AdamUpdateAttrs } from '@cdm/core';

export interface AdamOptions {
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Added to √v̂; default 1e-8 (PyTorch's default, which guided-diffusion trains with). */
  readonly epsilon?: number;
}

/** Adam's saved state: the moments by parameter name, and how many updates were made. */
export interface AdamSavedState {
  readonly updates: number;
  readonly firstMoment: ReadonlyMap<string, Float32Array>;
  readonly secondMoment: ReadonlyMap<string, Float32Array>;
}

export interface Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Updates applied so far (the t of the bias corrections). */
  readonly updates: number;
  /** The moment variables m and v, by parameter name (owned by the optimizer). */
  readonly firstMoment: ReadonlyMap<string, tf.Variable>;
  readonly secondMoment: ReadonlyMap<string, tf.Variable>;
  /** One update with these gradients (by parameter name) at learning rate `lr`; grads are not disposed. */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void;
  /** Restores moments and the update count saved from an optimizer over the same parameters. */
  load(state: AdamSavedState): void;
  dispose(): void;
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with explicit moment variables, as PyTorch computes it:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
 *
 * Written here instead of using `tf.train.adam` so that a resumed run is bit-exact: tfjs' Adam
 * keeps β₁ᵗ as a float32 running product but `setWeights` recomputes it with `pow`, which can differ
 * in the last bit, fixes the learning rate at construction (no warmup), and matches moments to
 * variables by position. Here the bias corrections are computed in float64 from the integer t,
 * and the moments are named after their parameters. Where the backend registers @cdm/core's fused
 * Adam update (`hasFusedAdam()`), each parameter takes one kernel instead of ten element-wise ops;
 * the two paths agree to float32 rounding.
 */
export function createAdam(parameters: ReadonlyMap<string, tf.Variable>, options: AdamOptions = {}): Adam {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = options;
  if (!(beta1 >= 0 && beta1 < 1)) throw errors.invalidArgument('adam.beta1', 'a number in [0, 1)', beta1);
  if (!(beta2 >= 0 && beta2 < 1)) throw errors.invalidArgument('adam.beta2', 'a number in [0, 1)', beta2);
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw errors.invalidArgument('adam.epsilon', 'a finite number > 0', epsilon);
  // Unnamed: tfjs gives each variable a unique name, so several optimizers can coexist.
  const zeros = () => {
    const moments = new Map<string, tf.Variable>();
    tf.tidy(() => parameters.forEach((p, name) => moments.set(name, tf.variable(tf.zerosLike(p), false)))); // tidy keeps variables
    return moments;
  };
  const firstMoment = zeros();
  const secondMoment = zeros();
  let updates = 0;

  return {
    beta1,
    beta2,
    epsilon,
    get updates() {
      return updates;
    },
    firstMoment,
    secondMoment,
    apply(grads, lr) {
      if (!(lr >= 0 && Number.isFinite(lr))) throw errors.invalidArgument('lr', 'a finite number ≥ 0', lr);
      const t = updates + 1;
      const stepSize = lr / (1 - beta1 ** t);
      const secondCorrection = Math.sqrt(1 - beta2 ** t);
      const fused = hasFusedAdam();
      const attrs: AdamUpdateAttrs = { beta1, beta2, epsilon, stepSize, secondCorrection };
      tf.tidy(() => {
        for (const [name, parameter] of parameters) {
          const g = grads[name];
          if (g === undefined) throw errors.invalidArgument(`grads["${name}"]`, 'a gradient for every parameter', undefined);
          const m = firstMoment.get(name)!;
          const v = secondMoment.get(name)!;
          if (fused && parameter.dtype === 'float32' && g.dtype === 'float32') {
            const inputs = { param: parameter, m, v, grad: g };
            const [nextParam, nextM, nextV] = tf.engine().runKernel(ADAM_UPDATE_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
            parameter.assign(nextParam!);
            m.assign(nextM!);
            v.assign(nextV!);
            continue;
          }
          const nextM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
          const nextV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
          const denominator = tf.add(tf.div(tf.sqrt(nextV), secondCorrection), epsilon);
          parameter.assign(tf.sub(parameter, tf.mul(tf.div(nextM, denominator), stepSize)));
          m.assign(nextM);
          v.assign(nextV);
        }
      });
      updates = t;
    },
    load(state) {
      if (!Number.isInteger(state.updates) || state.updates < 0) throw errors.invalidArgument('optimizer.updates', 'a non-negative integer', state.updates);
      const problems: string[] = [];
      for (const [label, saved, moments] of [
        ['m', state.firstMoment, firstMoment],
        ['v', state.secondMoment, secondMoment],
      ] as const) {
        for (const [name, variable] of moments) {
          const values = saved.get(name);
          if (values === undefined) problems.push(`${name} (${label}): missing`);
          else if (values.length !== variable.size) problems.push(`${name} (${label}): ${values.length} values, expected ${variable.size}`);
        }
        for (const name of saved.keys()) if (!moments.has(name)) problems.push(`${name} (${label}): not a parameter`);
      }
      if (problems.length > 0) throw errors.checkpointMismatch('The optimizer state', problems);
      tf.tidy(() => {
        for (const [name, m] of firstMoment) m.assign(tf.tensor(state.firstMoment.get(name)!, m.shape, 'float32'));
        for (const [name, v] of secondMoment) v.assign(tf.tensor(state.secondMoment.get(name)!, v.shape, 'float32'));
      });
      updates = state.updates;
    },
    dispose() {
      tf.dispose([...firstMoment.values(), ...secondMoment.values()]);
    },
  };
}

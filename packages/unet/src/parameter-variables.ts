import * as tf from '@tensorflow/tfjs-core';
import { errors, type Rng } from '@cdm/core';
import { parameterSize, tfjsShape, type ParameterSpec } from './architecture';

/** How a network's variables start: seeded PyTorch-style initialisation, or zeros for a network whose weights are loaded next. */
export type Initialization = 'seeded' | 'zeros';

/**
 * One `tf.variable` per parameter, in tfjs layout, keyed by state-dict name. Each variable's own
 * tfjs name is `<instance>/<state-dict name>`, so several networks can coexist.
 */
export function createParameterVariables(
  specs: readonly ParameterSpec[],
  initialize: Initialization,
  rng: Rng,
  instance: string,
): Map<string, tf.Variable> {
  if (initialize !== 'seeded' && initialize !== 'zeros') throw errors.invalidArgument('options.initialize', '"seeded" or "zeros"', initialize);
  const variables = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const shape = tfjsShape(spec);
    const values = initialize === 'seeded' ? initialValues(spec, rng) : undefined;
    const variable = tf.tidy(() => tf.variable(values === undefined ? tf.zeros(shape) : tf.tensor(values, shape, 'float32'), true, `${instance}/${spec.name}`));
    variables.set(spec.name, variable);
  }
  return variables;
}

/** A lookup by state-dict name that fails with a coded error for unknown names. */
export function parameterLookup(variables: ReadonlyMap<string, tf.Variable>): (name: string) => tf.Tensor {
  return (name) => {
    const v = variables.get(name);
    if (v === undefined) throw errors.invalidArgument('parameter name', `one of this network's ${variables.size} parameters`, name);
    return v;
  };
}

/** PyTorch's default initialisation for this parameter, drawn from `rng` (see `ParameterInit`). */
export function initialValues(spec: ParameterSpec, rng: Rng): Float32Array {
  const size = parameterSize(spec);
  switch (spec.init.kind) {
    case 'zeros':
      return new Float32Array(size);
    case 'ones':
      return new Float32Array(size).fill(1);
    case 'normal': {
      const values = rng.normalArray(size); // the layout of an embedding is the same in both frameworks
      const std = spec.init.std ?? 1;
      if (std !== 1) for (let i = 0; i < size; i++) values[i] = values[i]! * std;
      return values;
    }
    case 'uniform': {
      const bound = 1 / Math.sqrt(spec.init.fanIn);
      const values = rng.uniformArray(size);
      for (let i = 0; i < size; i++) values[i] = (2 * values[i]! - 1) * bound;
      return values; // i.i.d., so drawing in tfjs layout is as good as drawing in PyTorch's
    }
  }
}

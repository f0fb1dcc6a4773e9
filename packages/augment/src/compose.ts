import * as tf from '@tensorflow/tfjs-core';
import {
  augmentationPolicies,
  errors,
  type AugmentationPolicy,
  type AugmentationPolicyFactory,
  type AugmentationResult,
  type Registry,
} from '@cdm/core';
import { readOptions } from './options';

export interface ComposedPolicy extends AugmentationPolicy {
  readonly policies: readonly AugmentationPolicy[];
}

/**
 * Chains policies: each one corrupts the previous one's image, in the order given, and all share
 * the context's rng (so draws happen in that order too). `compose(gaussianBlur(), gaussianNoise(…))`
 * blurs, then noises the blurred image. At sampling time every policy gets the same `{ level,
 * handover }`.
 *
 * Levels: per example, the level is that of the **last** policy that reports a non-zero level for
 * it, and 0 when none does. Policies that embed nothing report 0, so a noise policy composed with
 * any number of blurs or other degradations keeps its level. Compose at most one policy that embeds
 * a level: with two, the later one's non-zero levels win and the earlier one's are lost to the
 * denoiser.
 *
 * `compose()` with no policies behaves like `none()`. Errors thrown by a policy are wrapped
 * (`CDM_PLUGIN_FAILED`) with its name and the hook, and nothing is leaked.
 */
export function compose(...policies: readonly AugmentationPolicy[]): ComposedPolicy {
  policies.forEach((policy, i) => {
    const ok = policy != null && typeof policy.name === 'string' && typeof policy.train === 'function' && typeof policy.sample === 'function';
    if (!ok) throw errors.invalidArgument(`compose policy ${i}`, 'an AugmentationPolicy { name, train, sample }', policy);
  });

  const run = (lowRes: tf.Tensor4D, hook: 'train' | 'sample', call: (policy: AugmentationPolicy, image: tf.Tensor4D) => AugmentationResult): AugmentationResult => {
    let image = lowRes;
    let level = tf.zeros([lowRes.shape[0]], 'float32') as tf.Tensor1D;
    try {
      for (const policy of policies) {
        let result: AugmentationResult;
        try {
          result = call(policy, image);
        } catch (cause) {
          throw errors.pluginFailed('augmentation policy', policy.name, hook, cause);
        }
        if (image !== lowRes && image !== result.image) image.dispose();
        image = result.image;
        const previous = level;
        level = tf.tidy(() => tf.where(tf.notEqual(result.level, 0), result.level, previous));
        tf.dispose([previous, result.level]);
      }
    } catch (error) {
      if (image !== lowRes) image.dispose();
      level.dispose();
      throw error;
    }
    return { image: image === lowRes ? tf.clone(lowRes) : image, level };
  };

  return {
    name: policies.length === 0 ? 'compose()' : `compose(${policies.map((p) => p.name).join(', ')})`,
    policies,
    train: (lowRes, context) => run(lowRes, 'train', (policy, image) => policy.train(image, context)),
    sample: (lowRes, context, params) => run(lowRes, 'sample', (policy, image) => policy.sample(image, context, params)),
  };
}

/** One entry of the `'compose'` factory's `policies` option: a registered policy and its options. */
export interface PolicySpec {
  readonly name: string;
  readonly options?: unknown;
}

const composeFactories = new WeakMap<Registry<AugmentationPolicyFactory>, AugmentationPolicyFactory>();

/**
 * `'compose'` for registries: `create({ policies: [{ name, options? }, …] })` builds each named
 * policy from `registry` (the registry it is registered in), then composes them. One factory object
 * per registry, so registering twice is harmless.
 */
export function composeFactory(registry: Registry<AugmentationPolicyFactory> = augmentationPolicies): AugmentationPolicyFactory {
  const cached = composeFactories.get(registry);
  if (cached !== undefined) return cached;
  const factory: AugmentationPolicyFactory = {
    name: 'compose',
    create(options) {
      const { policies } = readOptions('compose', options, ['policies']);
      if (!Array.isArray(policies)) throw errors.invalidArgument('compose option policies', 'an array of { name, options? }', policies);
      return compose(
        ...policies.map((entry: unknown, i) => {
          const spec = readOptions(`compose policies[${i}]`, entry, ['name', 'options']);
          if (typeof spec.name !== 'string') throw errors.invalidArgument(`compose policies[${i}].name`, 'a registered policy name', spec.name);
          return registry.get(spec.name).create(spec.options);
        }),
      );
    },
  };
  composeFactories.set(registry, factory);
  return factory;
}

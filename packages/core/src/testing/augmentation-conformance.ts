import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import type { AugmentationPolicy } from '../contracts/augmentation-policy';
import {
  augmentationCalls,
  checkAugmentationDeterminism,
  checkAugmentationInputUntouched,
  checkAugmentationTensorLeaks,
  checkAugmentationOutputs,
  checkAugmentationName,
  type AugmentationCheckOptions,
} from './augmentation-checks';

export interface AugmentationConformanceOptions {
  /** Levels at which `sample()` is checked, with each handover. Default [0]. */
  readonly levels?: readonly number[];
  /** Height and width of the test images. Default 8. */
  readonly resolution?: number;
  /** Channels of the test images. Default 3. */
  readonly channels?: number;
}

/**
 * Registers a vitest `describe` block that checks an augmentation policy against the
 * `AugmentationPolicy` contract, for `train()` and for `sample()` at each of `levels` with both
 * handovers, at batch sizes 1 and 3:
 * - a float32 image of the input's shape and a float32 level of shape [B], all finite;
 * - the same rng seed gives the same result (a policy that ignores the seed entirely is allowed);
 * - the input is neither disposed nor changed, and the result's tensors are new;
 * - no tensor leaks once the result is disposed.
 *
 * `createPolicy` is called afresh for each check. The checks run on tfjs' current backend.
 *
 * ```ts
 * import { describeAugmentationConformance } from '@cdm/core/testing';
 * describeAugmentationConformance('my-blur', () => myBlur({ sigma: 1 }), { levels: [0, 0.5] });
 * ```
 */
export function describeAugmentationConformance(
  name: string,
  createPolicy: () => AugmentationPolicy,
  options: AugmentationConformanceOptions = {},
): void {
  const checkOptions: AugmentationCheckOptions = {
    batchSizes: [1, 3],
    ...(options.resolution !== undefined && { resolution: options.resolution }),
    ...(options.channels !== undefined && { channels: options.channels }),
  };

  describe(`augmentation policy "${name}" conformance`, () => {
    beforeAll(async () => {
      await tf.ready();
    });

    it('has a non-empty string name', () => {
      checkAugmentationName(createPolicy());
    });

    for (const call of augmentationCalls(options.levels ?? [0])) {
      describe(call.label, () => {
        it("returns a float32 image of the input's shape and a float32 level of shape [B], all finite (batch 1 and 3)", () =>
          checkAugmentationOutputs(createPolicy(), call, checkOptions));

        it('gives the same result for the same rng seed', async () => {
          await checkAugmentationDeterminism(createPolicy, call, checkOptions);
        });

        it('leaves its input undisposed and unchanged, and returns new tensors', () =>
          checkAugmentationInputUntouched(createPolicy(), call, checkOptions));

        it('leaks no tensors once its result is disposed', () => checkAugmentationTensorLeaks(createPolicy(), call, checkOptions));
      });
    }
  });
}

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SamplerFactory, SamplerOptions } from '../samplers/sampler';
import type { TimestepSpacing } from '../schedules/respace';
import {
  checkSamplerCreate,
  checkSamplerDeterminism,
  checkSamplerGaussianStatistics,
  checkSamplerLastStep,
  checkSamplerSinglePoint,
  checkSamplerStepInputsUntouched,
  checkSamplerStepOutputs,
  checkSamplerStepTensorLeaks,
  checkSamplerTruncation,
  SAMPLER_CHECK_DATA,
  type SamplerCheckSettings,
} from './sampler-checks';

export interface SamplerConformanceOptions {
  /** Respacings of a 1000-step process to run the checks at. Default `['ddim10', 50]`. */
  readonly steps?: readonly TimestepSpacing[];
  /** Passed to `factory.create` (its `steps` is replaced by each of `steps`). */
  readonly options?: SamplerOptions;
  /**
   * Whether the sampler draws noise from the rng it is given: `false` requires runs from the same
   * x_T to be identical under different seeds, `true` requires them to differ. Undefined: not checked.
   */
  readonly stochastic?: boolean;
  /** Respacing for the N(μ, σ²) statistics check (on the cosine schedule). Default 50. */
  readonly statisticsSteps?: TimestepSpacing;
}

const describeSteps = (steps: TimestepSpacing) => (Array.isArray(steps) ? `[${steps.join(', ')}]` : JSON.stringify(steps));

/**
 * Registers a vitest `describe` block that checks a sampler factory against the `Sampler`
 * contract, driving it with `gaussianOracle` (the exact denoiser of Gaussian data) over a
 * 1000-step process, at each of `steps`:
 * - `create()` gives a named sampler over the respaced process, its timesteps strictly descending
 *   within the process and ending at 0;
 * - with the denoiser of a single data point x* (ε, x_0 and v parameterisations), `sample()`
 *   returns x* to 1e-3, and the last step's prev equals its predX0 to 1e-5;
 * - the same seed gives bit-identical samples (and, with `stochastic` set, the rng is or is not used);
 * - `step()` returns new finite float32 tensors of xt's shape, leaves its inputs undisposed and
 *   unchanged, and leaks no tensors over a run;
 * - `sample({ truncateAt })` stops at a level from `truncationLevels`;
 * and once, at `statisticsSteps`, that samples of N(0.3, 0.5²) data have the right mean (± 0.05)
 * and standard deviation (± 15 %).
 *
 * The checks run on tfjs' current backend (the suite sets none) and create a fresh sampler for
 * every run, so a sampler may keep state between the steps of one run.
 *
 * ```ts
 * import { describeSamplerConformance } from '@cdm/core/testing';
 * describeSamplerConformance(myEulerSampler, { stochastic: false });
 * ```
 */
export function describeSamplerConformance(factory: SamplerFactory, options: SamplerConformanceOptions = {}): void {
  const stepsList = options.steps ?? ['ddim10', 50];
  const samplerOptions = options.options ?? {};
  const title = Object.keys(samplerOptions).length === 0 ? '' : ` with ${JSON.stringify(samplerOptions)}`;

  describe(`sampler "${String(factory.name)}"${title} conformance`, () => {
    let baseline = 0;
    beforeAll(async () => {
      await tf.ready();
      baseline = tf.memory().numTensors;
    });

    for (const steps of stepsList) {
      const settings: SamplerCheckSettings = { steps, options: samplerOptions };
      describe(`steps ${describeSteps(steps)}`, () => {
        it('create() returns a named sampler over the respaced process, timesteps strictly descending to 0', () => {
          checkSamplerCreate(factory, settings);
        });

        for (const output of ['eps', 'x0', 'v'] as const) {
          it(`returns the single data point x* of an ${output} oracle (1e-3)`, () => checkSamplerSinglePoint(factory, { ...settings, output }));
        }

        it("the last step (t = 0) returns prev equal to its predX0 for one data point (1e-5)", () => checkSamplerLastStep(factory, settings));

        const seedTitle =
          options.stochastic === undefined
            ? 'gives bit-identical samples for the same seed'
            : `gives bit-identical samples for the same seed, and ${options.stochastic ? 'different' : 'identical'} ones from the same x_T under another seed`;
        it(seedTitle, async () => {
          await checkSamplerDeterminism(factory, { ...settings, ...(options.stochastic !== undefined && { stochastic: options.stochastic }) });
        });

        it("step() returns new finite float32 tensors of xt's shape", () => checkSamplerStepOutputs(factory, settings));

        it('step() leaves its inputs undisposed and unchanged', () => checkSamplerStepInputsUntouched(factory, settings));

        it('step() leaks no tensors over a run', () => checkSamplerStepTensorLeaks(factory, settings));

        it('sample({ truncateAt }) stops at a level from truncationLevels()', () => checkSamplerTruncation(factory, settings));
      });
    }

    const statisticsSteps = options.statisticsSteps ?? 50;
    const { mean, std } = SAMPLER_CHECK_DATA;
    it(`reproduces N(${mean}, ${std}²) data: mean ± 0.05, std ± 15 % (steps ${describeSteps(statisticsSteps)}, cosine schedule)`, async () => {
      await checkSamplerGaussianStatistics(factory, { steps: statisticsSteps, options: samplerOptions });
    });

    it('leaves as many tensors as it found', () => {
      expect(tf.memory().numTensors - baseline, 'tensors leaked over the suite (a check that failed may have left some)').toBe(0);
    });
  });
}

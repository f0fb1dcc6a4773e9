import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';
import { randomNormal } from '../random-normal';
import { denoisedEstimates } from './denoised-estimates';
import { checkClipDenoised, samplerProcess } from './process-timesteps';
import type { Sampler, SamplerFactory, SamplerStepOutput } from './sampler';

/** λ = log(α/σ) = ½·(log ᾱ − log(1 − ᾱ)), the half log-SNR the solver steps in. */
function halfLogSnr(alphaBar: number): number {
  return 0.5 * (Math.log(alphaBar) - Math.log1p(-alphaBar));
}

/**
 * DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", alg. 2): the second-order multistep solver of
 * the probability-flow ODE in its data-prediction form, made for guided sampling in 10–20 steps.
 * With α = √ᾱ, σ = √(1 − ᾱ) and λ = log(α/σ), a step from index t (level s) to t − 1 (level u),
 * h = λ_u − λ_s > 0, is
 *   x_u = (σ_u/σ_s)·x_s + α_u·(1 − e^{−h})·D,
 * where D = x̂_0(x_s) on a run's first step (then the step is DDIM with η = 0) and afterwards
 *   D = (1 + 1/(2r))·x̂_0(x_s) − 1/(2r)·x̂_0(x_s′),   r = h′/h,
 * with x_s′ and h′ the previous step's. The last step, to ᾱ = 1 (λ = ∞), returns x̂_0 itself: first
 * order, as the paper ends. x̂_0 is clipped to [−1, 1] by default (the paper's thresholding at 1).
 * It draws no noise: the same x_T always gives the same sample. η must be 0 or left out.
 *
 * Use it with "trailingN" steps: a spacing that visits timestep 0 ("N", "ddimN") ends with a step
 * into it whose h is many times the one before, where the extrapolation in D overshoots.
 *
 * The one piece of state is the previous step's x̂_0 and h. It belongs to one run: `reset()` (which
 * the sampling loop calls before and after every run, truncated or not) and the step at t = 0
 * release it, and a run's first index starts afresh.
 */
export const dpmSolverPlusPlusSampler: SamplerFactory = dpmSolverPlusPlus('dpm++2m', false);

/**
 * SDE-DPM-Solver++(2M) (Lu et al. 2022, appendix; diffusers' "sde-dpmsolver++" with the midpoint
 * update, k-diffusion's `dpmpp_2m_sde` at η = 1): the same multistep D on the reverse SDE,
 *   x_u = (σ_u/σ_s)·e^{−h}·x_s + α_u·(1 − e^{−2h})·D + σ_u·√(1 − e^{−2h})·z,
 * which keeps DDPM's correcting noise at a fraction of its steps. Its first-order step is exactly
 * the DDPM step with the posterior variance β̃ (`fixedSmall`) and draws its z as `ddpm` does, so a
 * run of one or two steps equals `ddpm`'s.
 */
export const sdeDpmSolverPlusPlusSampler: SamplerFactory = dpmSolverPlusPlus('dpm++2m-sde', true);

function dpmSolverPlusPlus(name: string, stochastic: boolean): SamplerFactory {
  return {
    name,
    create(base, options = {}): Sampler {
      const { diffusion, timesteps } = samplerProcess(base, options);
      const clipDenoised = checkClipDenoised(options.clipDenoised);
      if (options.eta !== undefined && options.eta !== 0) {
        throw errors.invalidArgument('eta', `0 or none: ${name} takes no η (use ddim for 0 < η ≤ 1)`, options.eta);
      }
      const { alphasCumprod, alphasCumprodPrev } = diffusion.coefficients;
      let previous: { readonly t: number; readonly predX0: tf.Tensor4D; readonly h: number } | undefined;
      const reset = () => {
        previous?.predX0.dispose();
        previous = undefined;
      };
      return {
        name,
        diffusion,
        timesteps,
        reset,
        step({ modelOutput, t, xt, rng, classifierGradient }) {
          if (t === timesteps[0]) reset();
          if (previous !== undefined && previous.t !== t + 1) {
            throw errors.invalidArgument('t', `${previous.t - 1}, the index after the previous step's ${previous.t} (or reset() first)`, t);
          }
          const [alphaBar, alphaBarPrev] = [alphasCumprod[t]!, alphasCumprodPrev[t]!];
          const last = alphaBarPrev >= 1;
          const h = last ? Infinity : halfLogSnr(alphaBarPrev) - halfLogSnr(alphaBar);
          const history = previous;
          const noise = stochastic && !last ? randomNormal<tf.Rank.R4>(rng, xt.shape) : undefined;
          let result: SamplerStepOutput;
          try {
            result = tf.tidy(() => {
              const { predX0 } = denoisedEstimates(diffusion, modelOutput, xt, t, { clipDenoised, classifierGradient });
              if (last) return { prev: predX0.clone(), predX0 };
              let d = predX0;
              if (history !== undefined) {
                const w = h / (2 * history.h); // 1/(2r), r = h′/h
                d = tf.sub(tf.mul(1 + w, predX0), tf.mul(w, history.predX0));
              }
              // ODE: x_u = (σ_u/σ_s)·x_s + α_u(1 − e^{−h})·D; SDE: e^{−h} more decay, 2h in the push, and noise.
              const keep = Math.sqrt((1 - alphaBarPrev) / (1 - alphaBar)) * (stochastic ? Math.exp(-h) : 1);
              const push = Math.sqrt(alphaBarPrev) * -Math.expm1(-(stochastic ? 2 : 1) * h);
              const mean = tf.add(tf.mul(keep, xt), tf.mul(push, d));
              const prev = noise === undefined ? mean : tf.add(mean, tf.mul(Math.sqrt((1 - alphaBarPrev) * -Math.expm1(-2 * h)), noise));
              return { prev: prev as tf.Tensor4D, predX0 };
            });
          } finally {
            noise?.dispose();
          }
          reset();
          if (!last) previous = { t, predX0: tf.keep(result.predX0.clone()), h };
          return result;
        },
      };
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';
import { DECODER_CDFS, discretizedGaussianLogLikelihood, type DecoderCdf } from '../losses/discretized-gaussian-log-likelihood';
import { meanFlat } from '../losses/mean-flat';
import { normalKl } from '../losses/normal-kl';
import { computeCoefficients, type DiffusionCoefficients } from '../schedules/coefficients';
import type { NoiseSchedule } from '../schedules/noise-schedule';
import { respaceSchedule, type TimestepSpacing } from '../schedules/respace';
import {
  MODEL_OUTPUT_TYPES,
  MODEL_VARIANCE_TYPES,
  type ModelOutputType,
  type ModelVarianceType,
} from './parameterization';
import { stopGradient } from './stop-gradient';
import { gatherCoefficient, resolveTimesteps, type Timesteps } from './timesteps';

export type LossType = 'mse' | 'hybrid';
export const LOSS_TYPES: readonly LossType[] = ['mse', 'hybrid'];

export interface GaussianDiffusionOptions {
  readonly schedule: NoiseSchedule;
  /** What the model predicts. Default `eps`. */
  readonly modelOutput?: ModelOutputType;
  /** How the reverse variance is chosen. Default `fixedSmall`; `learnedRange` needs 2C output channels. */
  readonly modelVariance?: ModelVarianceType;
  /** `mse` = L_simple; `hybrid` = L_simple + λ·L_vlb (improved DDPM), which needs `learnedRange`. Default `mse`. */
  readonly loss?: LossType;
  /** λ of the hybrid loss. Default 0.001. */
  readonly vlbWeight?: number;
  /**
   * The normal CDF of the decoder term L_0: `tanh-approx` (default) is guided-diffusion's
   * approximation, which published bits/dim use; `exact` is Φ.
   */
  readonly decoderCdf?: DecoderCdf;
}

/** Result shapes are type aliases (not interfaces) so `tf.dispose(result)` accepts them. */
export type MeanVariance = {
  readonly mean: tf.Tensor4D;
  /** Broadcastable to the mean: [B, 1, 1, 1] for fixed variances, [B, H, W, C] when learned. */
  readonly variance: tf.Tensor4D;
  readonly logVariance: tf.Tensor4D;
};

export type PMeanVariance = MeanVariance & {
  /** The model's estimate of x_0 (clipped to [−1, 1] when asked). */
  readonly predX0: tf.Tensor4D;
  /** The ε consistent with `predX0` and x_t. */
  readonly predEps: tf.Tensor4D;
};

export interface PMeanVarianceOptions {
  /** Clip the predicted x_0 to [−1, 1] before forming the mean. Default true. */
  readonly clipDenoised?: boolean;
}

export type TrainingLosses = {
  /** Per-example loss to minimise: `mse` (+ λ·T·`vb` for hybrid). */
  readonly loss: tf.Tensor1D;
  /** Per-example mean squared error against the parameterisation's target. */
  readonly mse: tf.Tensor1D;
  /** Per-example variational bound term L_t in bits per dimension (hybrid only). */
  readonly vb?: tf.Tensor1D;
};

export interface TrainingLossInput {
  /** The model's output for `xt` at `t`: [B, H, W, C], or [B, H, W, 2C] with learned variance. */
  readonly modelOutput: tf.Tensor4D;
  readonly x0: tf.Tensor4D;
  /** x_t = qSample(x0, t, noise). */
  readonly xt: tf.Tensor4D;
  readonly noise: tf.Tensor4D;
  readonly t: Timesteps;
}

export type VbTerm = {
  /** Per-example L_t in bits per dimension: KL(q(x_{t−1}|x_t,x_0) ‖ p(x_{t−1}|x_t)) for t > 0, decoder NLL for t = 0. */
  readonly output: tf.Tensor1D;
  readonly predX0: tf.Tensor4D;
};

const LOG2 = Math.log(2);

/**
 * The Gaussian diffusion process of DDPM (Ho et al. 2020) with the parameterisations, variances and
 * losses of improved DDPM (Nichol & Dhariwal 2021), over tfjs tensors in NHWC layout. Coefficients
 * are derived in float64 and cast to float32 per batch. Tensors passed in are never disposed;
 * returned tensors belong to the caller.
 */
export class GaussianDiffusion {
  readonly schedule: NoiseSchedule;
  readonly coefficients: DiffusionCoefficients;
  readonly modelOutput: ModelOutputType;
  readonly modelVariance: ModelVarianceType;
  readonly loss: LossType;
  readonly vlbWeight: number;
  readonly decoderCdf: DecoderCdf;
  /** log β_t, and the `fixedLarge` variance with its log. */
  private readonly logBetas: Float64Array;
  private readonly largeVariance: Float64Array;
  private readonly largeLogVariance: Float64Array;

  constructor(options: GaussianDiffusionOptions) {
    const { schedule, modelOutput = 'eps', modelVariance = 'fixedSmall', loss = 'mse', vlbWeight = 0.001, decoderCdf = 'tanh-approx' } = options;
    if (!MODEL_OUTPUT_TYPES.includes(modelOutput)) throw errors.invalidArgument('modelOutput', `one of ${MODEL_OUTPUT_TYPES.join(', ')}`, modelOutput);
    if (!MODEL_VARIANCE_TYPES.includes(modelVariance)) {
      throw errors.invalidArgument('modelVariance', `one of ${MODEL_VARIANCE_TYPES.join(', ')}`, modelVariance);
    }
    if (!LOSS_TYPES.includes(loss)) throw errors.invalidArgument('loss', `one of ${LOSS_TYPES.join(', ')}`, loss);
    if (loss === 'hybrid' && modelVariance !== 'learnedRange') {
      throw errors.invalidArgument('loss', `'mse' unless modelVariance is 'learnedRange' (the hybrid loss trains the variance)`, loss);
    }
    if (!(vlbWeight >= 0 && Number.isFinite(vlbWeight))) throw errors.invalidArgument('vlbWeight', 'a finite number ≥ 0', vlbWeight);
    if (!DECODER_CDFS.includes(decoderCdf)) throw errors.invalidArgument('decoderCdf', `one of ${DECODER_CDFS.join(', ')}`, decoderCdf);
    this.schedule = schedule;
    this.coefficients = computeCoefficients(schedule);
    this.modelOutput = modelOutput;
    this.modelVariance = modelVariance;
    this.loss = loss;
    this.vlbWeight = vlbWeight;
    this.decoderCdf = decoderCdf;
    const { betas, posteriorVariance } = this.coefficients;
    this.logBetas = betas.map(Math.log);
    // fixedLarge: β_t, except at index 0 where the reference uses β̃ at index 1 (a better decoder variance).
    this.largeVariance = betas.map((beta, i) => (i === 0 && betas.length > 1 ? posteriorVariance[1]! : beta));
    this.largeLogVariance = this.largeVariance.map(Math.log);
  }

  get numTimesteps(): number {
    return this.schedule.numTimesteps;
  }

  /** The same process over a subset of its timesteps (for sampling with fewer steps). */
  respace(spacing: TimestepSpacing): GaussianDiffusion {
    return new GaussianDiffusion({
      schedule: respaceSchedule(this.schedule, spacing),
      modelOutput: this.modelOutput,
      modelVariance: this.modelVariance,
      loss: this.loss,
      vlbWeight: this.vlbWeight,
      decoderCdf: this.decoderCdf,
    });
  }

  /** Validates and expands `t` for a batch of `x`. */
  timesteps(t: Timesteps, x: tf.Tensor, arg = 't'): Int32Array {
    return resolveTimesteps(t, x.shape[0] ?? 0, this.numTimesteps, arg);
  }

  /** The channel count the model's output must have: C, or 2C with learned variance. */
  outputChannels(imageChannels: number): number {
    return this.modelVariance === 'learnedRange' ? 2 * imageChannels : imageChannels;
  }

  /** q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I). */
  qMeanVariance(x0: tf.Tensor4D, t: Timesteps): MeanVariance {
    const ts = this.timesteps(t, x0);
    const c = this.coefficients;
    return tf.tidy(() => ({
      mean: tf.mul(gatherCoefficient(c.sqrtAlphasCumprod, ts), x0) as tf.Tensor4D,
      variance: tf.square(gatherCoefficient(c.sqrtOneMinusAlphasCumprod, ts)) as tf.Tensor4D,
      logVariance: gatherCoefficient(c.logOneMinusAlphasCumprod, ts) as tf.Tensor4D,
    }));
  }

  /** Draws x_t ~ q(x_t | x_0) with the given standard normal noise: √ᾱ_t x_0 + √(1 − ᾱ_t) ε. */
  qSample(x0: tf.Tensor4D, t: Timesteps, noise: tf.Tensor4D): tf.Tensor4D {
    assertSameShape('noise', noise, 'x0', x0);
    const ts = this.timesteps(t, x0);
    const c = this.coefficients;
    return tf.tidy(() =>
      tf.add(tf.mul(gatherCoefficient(c.sqrtAlphasCumprod, ts), x0), tf.mul(gatherCoefficient(c.sqrtOneMinusAlphasCumprod, ts), noise)),
    );
  }

  /** The posterior q(x_{t−1} | x_t, x_0) (DDPM eq. 6–7). */
  qPosteriorMeanVariance(x0: tf.Tensor4D, xt: tf.Tensor4D, t: Timesteps): MeanVariance {
    assertSameShape('xt', xt, 'x0', x0);
    const ts = this.timesteps(t, x0);
    const c = this.coefficients;
    return tf.tidy(() => ({
      mean: tf.add(tf.mul(gatherCoefficient(c.posteriorMeanCoef1, ts), x0), tf.mul(gatherCoefficient(c.posteriorMeanCoef2, ts), xt)) as tf.Tensor4D,
      variance: gatherCoefficient(c.posteriorVariance, ts) as tf.Tensor4D,
      logVariance: gatherCoefficient(c.posteriorLogVarianceClipped, ts) as tf.Tensor4D,
    }));
  }

  /** x_0 = x_t/√ᾱ_t − √(1/ᾱ_t − 1)·ε. */
  predictX0FromEps(xt: tf.Tensor4D, t: Timesteps, eps: tf.Tensor4D): tf.Tensor4D {
    assertSameShape('eps', eps, 'xt', xt);
    const ts = this.timesteps(t, xt);
    const c = this.coefficients;
    return tf.tidy(() => tf.sub(tf.mul(gatherCoefficient(c.sqrtRecipAlphasCumprod, ts), xt), tf.mul(gatherCoefficient(c.sqrtRecipm1AlphasCumprod, ts), eps)));
  }

  /** ε = (x_t/√ᾱ_t − x_0) / √(1/ᾱ_t − 1). */
  predictEpsFromX0(xt: tf.Tensor4D, t: Timesteps, x0: tf.Tensor4D): tf.Tensor4D {
    assertSameShape('x0', x0, 'xt', xt);
    const ts = this.timesteps(t, xt);
    const c = this.coefficients;
    return tf.tidy(() =>
      tf.div(tf.sub(tf.mul(gatherCoefficient(c.sqrtRecipAlphasCumprod, ts), xt), x0), gatherCoefficient(c.sqrtRecipm1AlphasCumprod, ts)),
    );
  }

  /** x_0 = √ᾱ_t x_t − √(1 − ᾱ_t) v. */
  predictX0FromV(xt: tf.Tensor4D, t: Timesteps, v: tf.Tensor4D): tf.Tensor4D {
    assertSameShape('v', v, 'xt', xt);
    const ts = this.timesteps(t, xt);
    const c = this.coefficients;
    return tf.tidy(() => tf.sub(tf.mul(gatherCoefficient(c.sqrtAlphasCumprod, ts), xt), tf.mul(gatherCoefficient(c.sqrtOneMinusAlphasCumprod, ts), v)));
  }

  /** What the model is trained to output: ε, x_0, or v = √ᾱ_t ε − √(1 − ᾱ_t) x_0. */
  trainingTarget(x0: tf.Tensor4D, noise: tf.Tensor4D, t: Timesteps): tf.Tensor4D {
    assertSameShape('noise', noise, 'x0', x0);
    if (this.modelOutput === 'eps') return noise.clone();
    if (this.modelOutput === 'x0') return x0.clone();
    const ts = this.timesteps(t, x0);
    const c = this.coefficients;
    return tf.tidy(() => tf.sub(tf.mul(gatherCoefficient(c.sqrtAlphasCumprod, ts), noise), tf.mul(gatherCoefficient(c.sqrtOneMinusAlphasCumprod, ts), x0)));
  }

  /** Splits a model output into the prediction and, with learned variance, the interpolation channels. */
  splitModelOutput(modelOutput: tf.Tensor4D, xt: tf.Tensor4D): { prediction: tf.Tensor4D; varianceValues?: tf.Tensor4D } {
    const [b, h, w, c] = xt.shape;
    const expected = this.outputChannels(c);
    const [ob, oh, ow, oc] = modelOutput.shape;
    if (ob !== b || oh !== h || ow !== w || oc !== expected) {
      throw errors.shapeMismatch('modelOutput', `[${b}, ${h}, ${w}, ${expected}] for x_t of shape [${xt.shape.join(', ')}] (modelVariance '${this.modelVariance}')`, modelOutput.shape);
    }
    if (this.modelVariance !== 'learnedRange') return { prediction: modelOutput };
    const [prediction, varianceValues] = tf.split(modelOutput, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    return { prediction, varianceValues };
  }

  /** The model's x_0 estimate from its raw prediction, in any parameterisation. */
  predictX0(prediction: tf.Tensor4D, xt: tf.Tensor4D, t: Timesteps): tf.Tensor4D {
    if (this.modelOutput === 'eps') return this.predictX0FromEps(xt, t, prediction);
    if (this.modelOutput === 'v') return this.predictX0FromV(xt, t, prediction);
    return prediction.clone();
  }

  /**
   * p(x_{t−1} | x_t): the mean (posterior mean at the model's x_0), the variance of the chosen
   * kind, and the model's x_0 and ε estimates.
   */
  pMeanVariance(modelOutput: tf.Tensor4D, xt: tf.Tensor4D, t: Timesteps, options: PMeanVarianceOptions = {}): PMeanVariance {
    const ts = this.timesteps(t, xt);
    const clip = options.clipDenoised ?? true;
    return tf.tidy(() => {
      const { prediction, varianceValues } = this.splitModelOutput(modelOutput, xt);
      let variance: tf.Tensor4D;
      let logVariance: tf.Tensor4D;
      if (this.modelVariance === 'learnedRange') {
        // log σ² = frac·log β_t + (1 − frac)·log β̃_t with frac = (v + 1)/2 (improved DDPM eq. 15).
        const minLog = gatherCoefficient(this.coefficients.posteriorLogVarianceClipped, ts);
        const maxLog = gatherCoefficient(this.logBetas, ts);
        const fraction = tf.div(tf.add(varianceValues!, 1), 2);
        logVariance = tf.add(tf.mul(fraction, maxLog), tf.mul(tf.sub(1, fraction), minLog)) as tf.Tensor4D;
        variance = tf.exp(logVariance);
      } else if (this.modelVariance === 'fixedLarge') {
        variance = gatherCoefficient(this.largeVariance, ts) as tf.Tensor4D;
        logVariance = gatherCoefficient(this.largeLogVariance, ts) as tf.Tensor4D;
      } else {
        variance = gatherCoefficient(this.coefficients.posteriorVariance, ts) as tf.Tensor4D;
        logVariance = gatherCoefficient(this.coefficients.posteriorLogVarianceClipped, ts) as tf.Tensor4D;
      }
      let predX0 = this.predictX0(prediction, xt, ts);
      if (clip) predX0 = tf.clipByValue(predX0, -1, 1);
      const predEps = this.modelOutput === 'eps' && !clip ? prediction.clone() : this.predictEpsFromX0(xt, ts, predX0);
      const { mean } = this.qPosteriorMeanVariance(predX0, xt, ts);
      return { mean, variance, logVariance, predX0, predEps };
    });
  }

  /**
   * One term of the variational bound, in bits per dimension: KL(q(x_{t−1}|x_t,x_0) ‖ p(x_{t−1}|x_t))
   * for t > 0, and −log p(x_0|x_1) under the discretised Gaussian decoder for t = 0.
   */
  vbTerm(modelOutput: tf.Tensor4D, x0: tf.Tensor4D, xt: tf.Tensor4D, t: Timesteps, options: PMeanVarianceOptions = {}): VbTerm {
    const ts = this.timesteps(t, xt);
    return tf.tidy(() => {
      const posterior = this.qPosteriorMeanVariance(x0, xt, ts);
      const p = this.pMeanVariance(modelOutput, xt, ts, { clipDenoised: options.clipDenoised ?? false });
      const kl = tf.div(meanFlat(normalKl(posterior.mean, posterior.logVariance, p.mean, p.logVariance)), LOG2);
      const decoderNll = tf.div(meanFlat(tf.neg(discretizedGaussianLogLikelihood(x0, p.mean, tf.mul(0.5, p.logVariance), { cdf: this.decoderCdf }))), LOG2);
      const isFirst = tf.tensor1d(Array.from(ts, (index) => (index === 0 ? 1 : 0)), 'bool');
      return { output: tf.where(isFirst, decoderNll, kl) as tf.Tensor1D, predX0: p.predX0 };
    });
  }

  /**
   * Per-example training losses. `mse` is L_simple; `hybrid` adds λ·T·L_t, a single-sample
   * estimate of λ·L_vlb = λ·Σ_t L_t, where L_t sees the prediction through a stop-gradient so that
   * it trains only the variance (improved DDPM §3.1).
   */
  trainingLosses(input: TrainingLossInput): TrainingLosses {
    const { modelOutput, x0, xt, noise } = input;
    assertSameShape('xt', xt, 'x0', x0);
    const ts = this.timesteps(input.t, x0);
    return tf.tidy(() => {
      const { prediction, varianceValues } = this.splitModelOutput(modelOutput, xt);
      const target = this.trainingTarget(x0, noise, ts);
      const mse = meanFlat(tf.squaredDifference(target, prediction));
      if (this.loss === 'mse') return { loss: mse, mse: mse.clone() };
      const frozen = tf.concat([stopGradient(prediction) as tf.Tensor4D, varianceValues!], 3);
      const vb = this.vbTerm(frozen, x0, xt, ts, { clipDenoised: false }).output;
      return { loss: tf.add(mse, tf.mul(vb, this.vlbWeight * this.numTimesteps)) as tf.Tensor1D, mse, vb };
    });
  }

  /** KL(q(x_T | x_0) ‖ N(0, I)) in bits per dimension: the prior term of the bound. */
  priorBpd(x0: tf.Tensor4D): tf.Tensor1D {
    const last = this.numTimesteps - 1;
    return tf.tidy(() => {
      const q = this.qMeanVariance(x0, last);
      return tf.div(meanFlat(normalKl(q.mean, q.logVariance, tf.scalar(0), tf.scalar(0))), LOG2) as tf.Tensor1D;
    });
  }
}

function assertSameShape(arg: string, a: tf.Tensor, reference: string, b: tf.Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw errors.shapeMismatch(arg, `[${b.shape.join(', ')}] (the shape of ${reference})`, a.shape);
  }
}

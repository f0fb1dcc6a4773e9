import type { NoiseSchedule } from './noise-schedule';

/**
 * Every per-timestep quantity the forward process, the posterior and the samplers use, derived
 * once in float64 from a schedule (Ho et al. 2020 eq. 4, 6, 7; Nichol & Dhariwal 2021 §3.1).
 * Index i follows `NoiseSchedule`: quantities at index i refer to x_{i+1}.
 */
export interface DiffusionCoefficients {
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphasCumprod: Float64Array;
  /** ᾱ at the previous index, with ᾱ_prev[0] = 1. */
  readonly alphasCumprodPrev: Float64Array;
  /** ᾱ at the next index, with ᾱ_next[T−1] = 0. */
  readonly alphasCumprodNext: Float64Array;
  readonly sqrtAlphasCumprod: Float64Array;
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  readonly logOneMinusAlphasCumprod: Float64Array;
  readonly sqrtRecipAlphasCumprod: Float64Array;
  readonly sqrtRecipm1AlphasCumprod: Float64Array;
  /** β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the variance of q(x_{t−1} | x_t, x_0). */
  readonly posteriorVariance: Float64Array;
  /** log β̃_t with index 0 (where β̃ = 0) replaced by β̃ at index 1. */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** Coefficient of x_0 in the posterior mean: β_t √ᾱ_{t−1} / (1 − ᾱ_t). */
  readonly posteriorMeanCoef1: Float64Array;
  /** Coefficient of x_t in the posterior mean: (1 − ᾱ_{t−1}) √α_t / (1 − ᾱ_t). */
  readonly posteriorMeanCoef2: Float64Array;
}

const coefficientCache = new WeakMap<NoiseSchedule, DiffusionCoefficients>();

/** Derives (and caches per schedule object) all coefficients in float64. */
export function computeCoefficients(schedule: NoiseSchedule): DiffusionCoefficients {
  const cached = coefficientCache.get(schedule);
  if (cached !== undefined) return cached;
  const { betas, alphasCumprod: ac } = schedule;
  const T = betas.length;
  const map = (fn: (i: number) => number) => Float64Array.from({ length: T }, (_, i) => fn(i));

  const alphas = map((i) => 1 - betas[i]!);
  const acPrev = map((i) => (i === 0 ? 1 : ac[i - 1]!));
  const acNext = map((i) => (i === T - 1 ? 0 : ac[i + 1]!));
  const posteriorVariance = map((i) => (betas[i]! * (1 - acPrev[i]!)) / (1 - ac[i]!));
  // β̃ is 0 at index 0; the log is clipped to the value at index 1 (or, for T = 1, to log β).
  const firstLogVariance = T > 1 ? Math.log(posteriorVariance[1]!) : Math.log(betas[0]!);
  const coefficients: DiffusionCoefficients = {
    betas,
    alphas,
    alphasCumprod: ac,
    alphasCumprodPrev: acPrev,
    alphasCumprodNext: acNext,
    sqrtAlphasCumprod: map((i) => Math.sqrt(ac[i]!)),
    sqrtOneMinusAlphasCumprod: map((i) => Math.sqrt(1 - ac[i]!)),
    logOneMinusAlphasCumprod: map((i) => Math.log(1 - ac[i]!)),
    sqrtRecipAlphasCumprod: map((i) => Math.sqrt(1 / ac[i]!)),
    sqrtRecipm1AlphasCumprod: map((i) => Math.sqrt(1 / ac[i]! - 1)),
    posteriorVariance,
    posteriorLogVarianceClipped: map((i) => (i === 0 ? firstLogVariance : Math.log(posteriorVariance[i]!))),
    posteriorMeanCoef1: map((i) => (betas[i]! * Math.sqrt(acPrev[i]!)) / (1 - ac[i]!)),
    posteriorMeanCoef2: map((i) => ((1 - acPrev[i]!) * Math.sqrt(alphas[i]!)) / (1 - ac[i]!)),
  };
  Object.freeze(coefficients);
  coefficientCache.set(schedule, coefficients);
  return coefficients;
}

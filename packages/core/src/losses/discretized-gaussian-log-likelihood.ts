import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';
import { broadcastShape } from './broadcast';
import { logNormalCdf, logNormalCdfLower } from './log-normal-cdf';

/** Half the width of one of the 256 bins that 8-bit data occupies in [−1, 1]. */
const HALF_BIN = 1 / 255;
/** 1/255 as a float32 plus the float32 nearest the rest, so float32 arithmetic can carry it exactly. */
const HALF_BIN_HIGH = Math.fround(HALF_BIN);
const HALF_BIN_LOW = Math.fround(HALF_BIN - HALF_BIN_HIGH);
/** Probabilities are clamped to 1e-12 before the log, so an impossible bin costs ~27.6 nats, not ∞. */
const LOG_MIN_PROBABILITY = Math.log(1e-12);
/** Lies between the lowest bin centre (−1) and the next (−1 + 2/255); likewise for the top. */
const EDGE_THRESHOLD = 0.999;
/** √(2/π), of the tanh approximation Φ(z) ≈ ½(1 + tanh(√(2/π)(z + 0.044715 z³))). */
const TANH_SCALE = Math.sqrt(2 / Math.PI);
const TANH_CUBIC = 0.044715;

/** Which normal CDF the bins use. */
export const DECODER_CDFS = ['tanh-approx', 'exact'] as const;
export type DecoderCdf = (typeof DECODER_CDFS)[number];

export interface DiscretizedGaussianOptions {
  /**
   * `'tanh-approx'` (default): guided-diffusion's `approx_standard_normal_cdf`, the formula behind
   * published bits/dim. `'exact'`: the normal CDF itself.
   */
  readonly cdf?: DecoderCdf;
}

/**
 * log P(x) in nats for 8-bit data scaled to [−1, 1] (bin centres −1 + 2k/255, k = 0…255) under
 * a Gaussian with the given mean and log standard deviation, discretised into bins of width 2/255
 * (Ho et al. 2020 eq. 13, the decoder term L_0 of the variational bound; Nichol & Dhariwal 2021
 * use it for their NLL in bits/dim). The lowest bin extends to −∞ and the highest to +∞:
 *
 *   log P(x) = log F(z₊)              for x < −0.999
 *            = log (1 − F(z₋))        for x > 0.999
 *            = log (F(z₊) − F(z₋))    otherwise,    z± = (x − mean ± 1/255) · e^−logScale
 *
 * with each probability clamped below at 1e-12 before the log, as guided-diffusion's
 * `discretized_gaussian_log_likelihood`. By default F is its tanh approximation
 * ½(1 + tanh(√(2/π)(z + 0.044715 z³))), so the values are the reference's; `cdf: 'exact'` uses Φ.
 *
 * The formula is evaluated without catastrophic cancellation, so float32 gives what float64 gives:
 * the tanh CDF is the logistic σ(2y), and σ(a) − σ(b) is taken in log space from a − b (formed
 * without subtraction) and the tails of a and b; Φ's tails come from an erfc form that keeps
 * relative accuracy (log-normal-cdf.ts), a bin narrow against σ from a series about its midpoint,
 * and a wide one from the tail on its side of the mean. (The reference, in float32, loses bins
 * whose probability is far below its CDF values: 1 + tanh(y) cancels.)
 *
 * The operands broadcast against each other; the result has their broadcast shape and is
 * differentiable in `mean` and `logScale`. `x` is expected at bin centres; other values are scored
 * as the bin of width 2/255 around them.
 */
export function discretizedGaussianLogLikelihood(
  x: tf.Tensor,
  mean: tf.Tensor,
  logScale: tf.Tensor,
  options: DiscretizedGaussianOptions = {},
): tf.Tensor {
  const { cdf = 'tanh-approx' } = options;
  if (!DECODER_CDFS.includes(cdf)) throw errors.invalidArgument('cdf', `one of ${DECODER_CDFS.map((c) => `"${c}"`).join(', ')}`, cdf);
  broadcastShape({ x, mean, logScale });
  return tf.tidy(() => {
    const inverseScale = tf.exp(tf.neg(logScale));
    const { centred, upper, lower } = binEdges(x, mean);
    const bounds: Bounds = {
      upper: tf.mul(inverseScale, upper),
      lower: tf.mul(inverseScale, lower),
      middle: tf.mul(inverseScale, centred),
      halfWidth: tf.mul(inverseScale, HALF_BIN),
    };
    const { lowest, highest, inner } = cdf === 'exact' ? exactBins(bounds) : tanhBins(bounds);
    const logProbability = tf.where(isPositive(tf.sub(-EDGE_THRESHOLD, x)), lowest, tf.where(isPositive(tf.sub(x, EDGE_THRESHOLD)), highest, inner));
    return tf.maximum(logProbability, LOG_MIN_PROBABILITY);
  });
}

/**
 * `t > 0` as a bool tensor that gradients pass through (as zero): tfjs has no gradient for its
 * comparison ops, and these masks depend on `mean` and `logScale`.
 */
const isPositive = (t: tf.Tensor) => tf.cast(tf.step(t), 'bool');

/**
 * x − mean ± 1/255 as exactly as float32 allows. When the mean sits near a bin edge these sums
 * cancel to a few significant bits, which a tiny σ then magnifies; so the rounding error of
 * x − mean (Knuth's TwoSum, exact in float32 arithmetic) and the part of 1/255 below float32
 * precision are added back after the cancellation. (The reference rounds both away.)
 */
function binEdges(x: tf.Tensor, mean: tf.Tensor): { centred: tf.Tensor; upper: tf.Tensor; lower: tf.Tensor } {
  const negMean = tf.neg(mean);
  const centred = tf.add(x, negMean);
  const virtual = tf.sub(centred, x);
  const error = tf.add(tf.sub(x, tf.sub(centred, virtual)), tf.sub(negMean, virtual));
  return {
    centred,
    upper: tf.add(tf.add(centred, HALF_BIN_HIGH), tf.add(error, HALF_BIN_LOW)),
    lower: tf.add(tf.sub(centred, HALF_BIN_HIGH), tf.sub(error, HALF_BIN_LOW)),
  };
}

/** A bin in standard units: [lower, upper] = middle ± halfWidth (halfWidth formed without a subtraction). */
interface Bounds {
  readonly upper: tf.Tensor;
  readonly lower: tf.Tensor;
  readonly middle: tf.Tensor;
  readonly halfWidth: tf.Tensor;
}

/** log F(upper), log(1 − F(lower)) and log(F(upper) − F(lower)), unclamped. */
interface BinLogProbabilities {
  readonly lowest: tf.Tensor;
  readonly highest: tf.Tensor;
  readonly inner: tf.Tensor;
}

/** log(1 + e^−|u|), the correction in log σ(u) = min(u, 0) − log(1 + e^−|u|). */
const softplusOfNegAbs = (u: tf.Tensor) => tf.log1p(tf.exp(tf.neg(tf.abs(u))));

/**
 * log(1 − e^−d) for d > 0, accurate as d → 0 on every backend (WebGL's expm1 is exp(x) − 1):
 * a series below 0.1, where 1 − e^−d = d(1 − d/2 + d²/6 − d³/24 + d⁴/120 − …) (next term ≤ 1.4e-8).
 * Each branch sees only inputs in its own range, so neither puts NaN into the other's gradient.
 */
function logOneMinusExpNeg(d: tf.Tensor): tf.Tensor {
  const small = tf.clipByValue(d, 1e-30, 0.1);
  const series = tf.add(1, tf.mul(small, tf.add(-1 / 2, tf.mul(small, tf.add(1 / 6, tf.mul(small, tf.add(-1 / 24, tf.mul(small, 1 / 120))))))));
  const large = tf.maximum(d, 0.1);
  return tf.where(isPositive(tf.sub(0.1, d)), tf.add(tf.log(small), tf.log(series)), tf.log(tf.sub(1, tf.exp(tf.neg(large)))));
}

/**
 * The reference's F(z) = ½(1 + tanh(y)) = σ(2y), y = √(2/π)(z + 0.044715 z³). With a = 2y(upper),
 * b = 2y(lower) and d = a − b > 0, σ(a) − σ(b) = σ(a)·σ(−b)·(1 − e^−d), so
 *   log(σ(a) − σ(b)) = min(a, 0) − max(b, 0) + log(1 − e^−d) − log(1 + e^−|a|) − log(1 + e^−|b|),
 * and d = 2√(2/π)·2h·(1 + 0.044715(u² + ul + l²)) is a sum of positive terms: narrow bins lose
 * nothing to cancellation.
 */
function tanhBins({ upper, lower, halfWidth }: Bounds): BinLogProbabilities {
  const twoY = (z: tf.Tensor) => tf.mul(tf.add(z, tf.mul(TANH_CUBIC, tf.pow(z, 3))), 2 * TANH_SCALE);
  const a = twoY(upper);
  const b = twoY(lower);
  const spread = tf.add(tf.add(tf.square(upper), tf.mul(upper, lower)), tf.square(lower));
  const d = tf.mul(tf.mul(halfWidth, 4 * TANH_SCALE), tf.add(1, tf.mul(TANH_CUBIC, spread)));
  const tailA = softplusOfNegAbs(a);
  const tailB = softplusOfNegAbs(b);
  return {
    lowest: tf.sub(tf.minimum(a, 0), tailA),
    highest: tf.sub(tf.minimum(tf.neg(b), 0), tailB),
    inner: tf.sub(tf.add(tf.sub(tf.minimum(a, 0), tf.maximum(b, 0)), logOneMinusExpNeg(d)), tf.add(tailA, tailB)),
  };
}

/** Hermite terms of the midpoint series; the next one is below 1e-9 relative on the narrow region. */
const MIDPOINT_TERMS = 5;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log Φ(m + h) − Φ(m − h) for a bin narrow against σ (h ≤ ½ and |m|·h ≤ 1):
 *   Φ(m + h) − Φ(m − h) = 2h·φ(m)·Σ_n He_2n(m) h^2n / (2n + 1)!
 * (Taylor's theorem about the midpoint, φ^(k)(m) = (−1)^k He_k(m) φ(m)); the sum lies in [0.32, 1.2]
 * there. g_k = He_k(m)·h^k follows He's recurrence scaled by h, so nothing overflows.
 */
function narrowBin(middle: tf.Tensor, halfWidth: tf.Tensor): tf.Tensor {
  // Clamped into the narrow region, so unselected elements stay finite (and so do their gradients).
  const h = tf.minimum(halfWidth, 0.5);
  const limit = tf.div(1, h);
  const m = tf.minimum(tf.maximum(middle, tf.neg(limit)), limit);
  const mh = tf.mul(m, h);
  const h2 = tf.square(h);
  let previous: tf.Tensor = tf.onesLike(mh); // g_0
  let current: tf.Tensor = mh; // g_1
  let sum: tf.Tensor = tf.onesLike(mh);
  let factorial = 2; // (k + 1)!
  for (let k = 1; k < 2 * MIDPOINT_TERMS; k++) {
    // g_{k+1} = m·h·g_k − k·h²·g_{k−1}
    [previous, current] = [current, tf.sub(tf.mul(mh, current), tf.mul(tf.mul(h2, previous), k))];
    factorial *= k + 2;
    if (k % 2 === 1) sum = tf.add(sum, tf.div(current, factorial)); // g_{2n} / (2n + 1)!
  }
  return tf.sub(tf.add(tf.log(tf.mul(h, 2)), tf.log(sum)), tf.add(tf.mul(tf.square(m), 0.5), LOG_SQRT_2PI));
}

/**
 * Φ itself. Edge bins: log Φ(upper), log Φ(−lower). Inner bins: the midpoint series when narrow;
 * otherwise the tail on the bin's side, log Φ(u) + log(1 − Φ(l)/Φ(u)) below the mean (and its
 * mirror image above), where Φ(l)/Φ(u) ≤ 0.32 keeps the difference well conditioned, or
 * log(1 − Φ(l) − Φ(−u)) for a bin that holds the mean (then ≥ 0.34 of the mass).
 */
function exactBins({ upper, lower, middle, halfWidth }: Bounds): BinLogProbabilities {
  const below = logNormalCdfLower(upper); // used only where upper ≤ 0
  const above = logNormalCdfLower(tf.neg(lower)); // used only where lower ≥ 0
  const lowerTail = tf.add(below, tf.log(tf.sub(1, tf.exp(tf.minimum(tf.sub(logNormalCdfLower(lower), below), -0.1)))));
  const upperTail = tf.add(above, tf.log(tf.sub(1, tf.exp(tf.minimum(tf.sub(logNormalCdfLower(tf.neg(upper)), above), -0.1)))));
  const outside = tf.add(tf.exp(logNormalCdfLower(lower)), tf.exp(logNormalCdfLower(tf.neg(upper))));
  const straddling = tf.log1p(tf.neg(tf.minimum(outside, 0.9)));
  const wide = tf.where(isPositive(tf.neg(upper)), lowerTail, tf.where(isPositive(lower), upperTail, straddling));
  const isNarrow = isPositive(tf.mul(tf.step(tf.sub(0.5, halfWidth)), tf.step(tf.sub(1, tf.abs(tf.mul(middle, halfWidth))))));
  return {
    lowest: logNormalCdf(upper),
    highest: logNormalCdf(tf.neg(lower)),
    inner: tf.where(isNarrow, narrowBin(middle, halfWidth), wide),
  };
}

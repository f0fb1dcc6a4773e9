import * as tf from '@tensorflow/tfjs-core';
import { broadcastShape } from './broadcast';

/** Half the width of one of the 256 bins that 8-bit data occupies in [−1, 1]. */
const HALF_BIN = 1 / 255;
/** Probabilities are clamped to this before the log, so an impossible bin costs ~27.6 nats, not ∞. */
const MIN_PROBABILITY = 1e-12;
/** Lies between the lowest bin centre (−1) and the next (−1 + 2/255); likewise for the top. */
const EDGE_THRESHOLD = 0.999;

/** Φ(z) = ½ (1 + erf(z/√2)), the standard normal CDF. */
const normalCdf = (z: tf.Tensor) => tf.mul(tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1), 0.5);

/** log max(p, 1e-12). */
const clampedLog = (p: tf.Tensor) => tf.log(tf.maximum(p, MIN_PROBABILITY));

/**
 * log P(x) in nats for 8-bit data scaled to [−1, 1] (bin centres −1 + 2k/255, k = 0…255) under
 * a Gaussian with the given mean and log standard deviation, discretised into bins of width 2/255
 * (Ho et al. 2020 eq. 13, the decoder term L_0 of the variational bound; Nichol & Dhariwal 2021
 * use it for their NLL in bits/dim). The lowest bin extends to −∞ and the highest to +∞, so the
 * 256 probabilities sum to 1:
 *
 *   log P(x) = log Φ(z₊)                    for x = −1
 *            = log (1 − Φ(z₋)) = log Φ(−z₋)  for x = 1
 *            = log (Φ(z₊) − Φ(z₋))           otherwise,    z± = (x ± 1/255 − mean) / e^logScale
 *
 * with Φ the exact normal CDF through `tf.erf` and each probability clamped below at 1e-12 before
 * the log, as in the reference implementation. The operands broadcast against each other; the
 * result has their broadcast shape and is differentiable in `mean` and `logScale`.
 *
 * Accuracy is that of float32 and of the backend's erf (tfjs's is an approximation with absolute
 * error about 1e-7): bins whose probability is a small fraction of the mass near them (far tails,
 * or σ much larger than a bin) are only good to roughly 1e-7 / P(x) relative.
 *
 * `x` is expected at bin centres; other values are scored as the bin of width 2/255 around them.
 */
export function discretizedGaussianLogLikelihood(x: tf.Tensor, mean: tf.Tensor, logScale: tf.Tensor): tf.Tensor {
  broadcastShape({ x, mean, logScale });
  return tf.tidy(() => {
    const centred = tf.sub(x, mean);
    const inverseScale = tf.exp(tf.neg(logScale));
    const upper = tf.mul(tf.add(centred, HALF_BIN), inverseScale);
    const lower = tf.mul(tf.sub(centred, HALF_BIN), inverseScale);
    const cdfUpper = normalCdf(upper);
    const cdfLower = normalCdf(lower);

    const logLowestBin = clampedLog(cdfUpper);
    const logHighestBin = clampedLog(normalCdf(tf.neg(lower)));
    const logInnerBin = clampedLog(tf.sub(cdfUpper, cdfLower));
    return tf.where(
      tf.less(x, -EDGE_THRESHOLD),
      logLowestBin,
      tf.where(tf.greater(x, EDGE_THRESHOLD), logHighestBin, logInnerBin),
    );
  });
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * Q(t) of erfc(x) = t·exp(−x² + Q(t)), t = 2/(2 + x), x ≥ 0: a degree-11 least-squares fit to
 * float64 erfc (fixtures/fit-log-erfc.py prints it). |error| ≤ 1.1e-8 in log erfc, so erfc is
 * good to that relative error for every x ≥ 0 (≤ 2e-7 once evaluated in float32), tails included.
 */
const Q = [
  -1.26551212427707, 0.9999999272502748, 0.37502019900250116, 0.08259243330240934, -0.07473419486095537,
  -0.233707888384372, 0.33554022160934877, -1.2254251614207363, 2.3987337194098544, -2.205107493094312,
  0.9913575943631391, -0.1787572433628282,
] as const;

/**
 * log Φ(z) for z ≤ 0 (larger z are treated as 0), accurate in relative terms however far into the
 * lower tail: Φ(z) = ½·erfc(x) with x = −z/√2, so log Φ(z) = log ½ + log t − x² + Q(t). No exp, so
 * no underflow: log Φ(−40) ≈ −804.6 comes out as it is.
 */
export function logNormalCdfLower(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.mul(tf.minimum(z, 0), -Math.SQRT1_2);
    const t = tf.div(2, tf.add(x, 2));
    let q: tf.Tensor = tf.scalar(Q[Q.length - 1]!);
    for (let k = Q.length - 2; k >= 0; k--) q = tf.add(tf.mul(q, t), Q[k]!);
    return tf.add(tf.sub(tf.log(t), tf.square(x)), tf.add(q, -Math.LN2));
  });
}

/** log Φ(z) for any z: the lower-tail form below 0, and log(1 − Φ(−z)) above (no 1 − Φ(z) cancellation). */
export function logNormalCdf(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.where(tf.cast(tf.step(tf.neg(z)), 'bool'), logNormalCdfLower(z), tf.log1p(tf.neg(tf.exp(logNormalCdfLower(tf.neg(z)))))),
  );
}

import * as tf from '@tensorflow/tfjs-core';

/**
 * The gradient of a sum or mean over `axis` of x: dy (times `scale`) spread back over x's shape.
 * tfjs-core's own gradients do this as dy · ones(x.shape), and `tf.ones` fills a JavaScript array of
 * x's size and copies it into the backend on every call: in a model that writes GroupNorm out of
 * plain ops (moments, so two means per normalisation) that was a fifth of a wasm training step.
 * Here the ones come from `tf.onesLike`, which the backend fills itself, and a mean's dy is scaled
 * while it is still small; dy · 1 = dy exactly, so the values are tfjs-core's bit for bit, float32
 * as tfjs-core's are. (Broadcasting with `tf.broadcastTo` instead runs tfjs-wasm's Tile kernel,
 * which made the same step three times slower.)
 */
function spread(dy: tf.Tensor, x: tf.Tensor, axis: number | number[], scale?: number): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const expandedShape = x.shape.map((size, d) => (axes.includes(d) ? 1 : size));
  let expanded = tf.reshape(dy.dtype === 'float32' ? dy : tf.cast(dy, 'float32'), expandedShape);
  if (scale !== undefined) expanded = tf.div(expanded, scale);
  return tf.mul(expanded, tf.onesLike(x));
}

/** The gradient config of a reduction over `axis` of x; a mean's dy is divided by the values averaged. */
function reductionGradient(kernelName: typeof tf.Sum | typeof tf.Mean): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { axis } = attrs as unknown as tf.SumAttrs;
      const scale = kernelName === tf.Mean ? tf.util.parseAxisParam(axis, x.shape).reduce((n, d) => n * x.shape[d]!, 1) : undefined;
      return { x: () => spread(dy as tf.Tensor, x, axis, scale) };
    },
  };
}

/** Sum's gradient without a tensor of ones. */
export const sumGradient = reductionGradient(tf.Sum);

/** Mean's gradient without a tensor of ones: dy / (the number of values averaged), spread. */
export const meanGradient = reductionGradient(tf.Mean);

/**
 * Registers Sum's and Mean's gradients above in place of tfjs-core's (same values, no JavaScript
 * array of ones per call). `ensureGradients()` calls it; calling it again changes nothing.
 */
export function registerReductionGradients(): void {
  for (const config of [sumGradient, meanGradient]) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}

import * as tf from '@tensorflow/tfjs-core';

type Shape = readonly number[];

/** dy summed over the axes `shape` was broadcast along, then given `shape` (tfjs' Add gradient). */
function unbroadcast(dy: tf.Tensor, shape: Shape): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes([...shape], dy.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, [...shape]);
}

/**
 * `tf.add(a, b)` whose gradient keeps no tensors. tfjs' Add saves both inputs for its gradient but
 * reads only their shapes, so every bias, residual and scale-shift addition held a full activation
 * until the backward pass reached it (three per residual block). Under a gradient tape this one
 * captures the shapes instead; its gradients are tfjs' own, op for op (the same numbers). With no
 * tape recording (inference) it is `tf.add`.
 */
export function add<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  const taping = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
  if (!taping) return tf.add(a, b);
  const shapes = [a.shape, b.shape] as const;
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, y] = args as [tf.Tensor, tf.Tensor];
    save([]);
    return { value: tf.add(x, y), gradFunc: (dy: tf.Tensor) => shapes.map((shape) => unbroadcast(dy, shape)) };
  });
  return run(a, b) as T;
}

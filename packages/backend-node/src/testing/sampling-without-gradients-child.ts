import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients, missingGradients } from '../gradients/ensure-gradients';
import { nodeBackends } from '../backends/register-node-backends';

/**
 * A fresh process that starts the wasm (or tfjs-cpu) backend the way `cdm sample` does, without
 * tfjs' gradient functions, runs the ops of a U-Net forward pass, then loads the gradients and takes
 * one. Prints { backend, missingBefore, forward, missingAfter, gradient } as one JSON line.
 */
export async function runSamplingWithoutGradients(name: string): Promise<void> {
  const backend = nodeBackends({ gradients: false }).find((b) => b.name === name)!;
  await backend.init();
  const missingBefore = missingGradients();
  const out = tf.tidy(() => {
    const x = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 4], 0, 0.3, 'float32', 2) as tf.Tensor4D;
    const { mean, variance } = tf.moments(x, [1, 2, 3], true);
    let h = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))) as tf.Tensor4D;
    h = tf.mul(h, tf.sigmoid(h));
    h = tf.conv2d(h, w, 1, 'same');
    const tokens = tf.reshape(h, [2, 64, 4]) as tf.Tensor3D;
    const attention = tf.matMul(tf.softmax(tf.matMul(tokens, tokens, false, true)), tokens);
    const up = tf.image.resizeNearestNeighbor(tf.reshape(attention, [2, 8, 8, 4]) as tf.Tensor4D, [16, 16]);
    return tf.mean(up);
  });
  const forward = (await out.data())[0]!;
  out.dispose();
  await ensureGradients();
  const missingAfter = missingGradients();
  const gradient = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.conv2d(tf.mul(v, tf.sigmoid(v)) as tf.Tensor4D, tf.ones([3, 3, 2, 2]) as tf.Tensor4D, 1, 'same')))(tf.ones([1, 4, 4, 2])).dataSync()[0]!);
  console.log(JSON.stringify({ backend: tf.getBackend(), missingBefore, forward, missingAfter, gradient }));
}

import * as tf from '@tensorflow/tfjs-core';

/** Whether every element of `x` is finite, read asynchronously (works on WebGPU too). */
export async function allFinite(x: tf.Tensor): Promise<boolean> {
  const flag = tf.tidy(() => tf.all(tf.isFinite(x)));
  try {
    const [value] = await flag.data();
    return value === 1;
  } finally {
    flag.dispose();
  }
}

import * as tf from '@tensorflow/tfjs-core';

/** Kernels a U-Net training step needs gradient functions for; all come with tfjs-core's set. */
const PROBES = ['Conv2D', 'BatchMatMul', 'Mean', 'Sigmoid', 'ResizeNearestNeighbor', 'Softmax', 'AddN'];

/**
 * Registers tfjs-core's gradient functions unless they are there already (importing
 * `@tensorflow/tfjs-core` alone registers none; `@tensorflow/tfjs` does). Bundlers resolve the
 * extensionless imports inside that file.
 */
export async function ensureGradients(): Promise<void> {
  if (PROBES.every((kernel) => tf.getGradient(kernel) !== undefined)) return;
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
}

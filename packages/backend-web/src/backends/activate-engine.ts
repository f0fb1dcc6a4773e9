import * as tf from '@tensorflow/tfjs-core';
import { errors } from '@cdm/core';

/**
 * Makes tfjs backend `engine` current, importing `load` (the package that registers it) first.
 * Idempotent: when `engine` is already current nothing happens, so existing tensors stay valid.
 * `missing` says why the package registered nothing (it registers only where it can run).
 */
export async function activateEngine(engine: string, load: () => Promise<unknown>, missing: string): Promise<void> {
  if (tf.getBackend() === engine) return;
  await load();
  if (tf.findBackendFactory(engine) === null) {
    throw errors.notAvailable(`The tfjs backend "${engine}"`, missing);
  }
  if (!(await tf.setBackend(engine))) {
    throw errors.notAvailable(`The tfjs backend "${engine}"`, `tf.setBackend('${engine}') failed to initialise it (tfjs logged the reason to the console); choose another backend`);
  }
}

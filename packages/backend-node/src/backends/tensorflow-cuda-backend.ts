import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import type { Backend, BackendSupport } from '@cdm/core';
import { isInstalled } from './is-installed';

export interface TensorflowCudaBackendOptions {
  /** Overrides how the package is looked up (for tests and unusual layouts). */
  readonly isInstalled?: (packageName: string) => boolean;
  /** Overrides the CUDA device probe (default: the NVIDIA kernel driver is loaded, on Linux). */
  readonly hasCudaDevice?: () => boolean;
}

const PACKAGE = '@tensorflow/tfjs-node-gpu';

/** On Linux the NVIDIA kernel driver publishes its version here; elsewhere trust the package. */
function nvidiaDriverLoaded(): boolean {
  return process.platform !== 'linux' || existsSync('/proc/driver/nvidia/version');
}

/**
 * TensorFlow with CUDA through `@tensorflow/tfjs-node-gpu` (an optional peer dependency, loaded
 * only by `init()`). tfjs-node-gpu registers its tfjs backend under the name 'tensorflow', so after
 * `init()` `tf.getBackend()` is 'tensorflow', not this plugin's name.
 */
export function tensorflowCudaBackend(options: TensorflowCudaBackendOptions = {}): Backend {
  const installed = options.isInstalled ?? isInstalled;
  const hasCudaDevice = options.hasCudaDevice ?? nvidiaDriverLoaded;
  return {
    name: 'tensorflow-cuda',
    engine: 'tensorflow',
    priority: 400,
    capabilities: { training: true, gpu: true, asyncReadsOnly: false },
    async isSupported(): Promise<BackendSupport> {
      if (!installed(PACKAGE)) return { supported: false, reason: `${PACKAGE} is not installed — npm i ${PACKAGE}`, install: PACKAGE };
      if (!hasCudaDevice()) return { supported: false, reason: 'no CUDA device (the NVIDIA driver is not loaded)' };
      return { supported: true };
    },
    async init() {
      await import(/* @vite-ignore */ PACKAGE);
      await tf.setBackend('tensorflow');
    },
  };
}

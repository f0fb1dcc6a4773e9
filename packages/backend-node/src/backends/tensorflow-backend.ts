import * as tf from '@tensorflow/tfjs-core';
import type { Backend, BackendSupport } from '@cdm/core';
import { isInstalled } from './is-installed';

export interface TensorflowBackendOptions {
  /** Overrides how the package is looked up (for tests and unusual layouts). */
  readonly isInstalled?: (packageName: string) => boolean;
}

const PACKAGE = '@tensorflow/tfjs-node';

/**
 * TensorFlow's C library on the CPU through `@tensorflow/tfjs-node` (an optional peer dependency,
 * loaded only by `init()`). tfjs-node registers its tfjs backend as 'tensorflow', this plugin's name.
 */
export function tensorflowBackend(options: TensorflowBackendOptions = {}): Backend {
  const installed = options.isInstalled ?? isInstalled;
  return {
    name: 'tensorflow',
    engine: 'tensorflow',
    priority: 300,
    capabilities: { training: true, gpu: false, asyncReadsOnly: false },
    async isSupported(): Promise<BackendSupport> {
      if (!installed(PACKAGE)) return { supported: false, reason: `${PACKAGE} is not installed — npm i ${PACKAGE}`, install: PACKAGE };
      return { supported: true };
    },
    async init() {
      await import(/* @vite-ignore */ PACKAGE); // registers the 'tensorflow' backend and all gradients
      await tf.setBackend('tensorflow');
    },
  };
}

import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry, selectBackend, type Backend } from '@cdm/core';

/** tfjs' plain-JavaScript cpu backend as a cdm backend plugin: slow, but it runs everywhere. */
export const cpuBackend: Backend = {
  name: 'tfjs-cpu',
  engine: 'cpu', // the tfjs backend init() makes current
  priority: 1,
  // tfjs-backend-cpu 4.22 gets the ResizeNearestNeighbor gradient wrong for batch > 1, so: no training.
  capabilities: { training: false, gpu: false, asyncReadsOnly: false },
  isSupported: async () => ({ supported: true }),
  async init() {
    await import('@tensorflow/tfjs-backend-cpu'); // registers "cpu" with tfjs
    await tf.setBackend('cpu');
  },
};

/** A GPU plugin as it looks on a machine without a GPU: 'auto' passes it over and records why. */
export const absentGpuBackend: Backend = {
  name: 'webgpu',
  engine: 'webgpu',
  priority: 3,
  capabilities: { training: true, gpu: true, asyncReadsOnly: true },
  isSupported: async () => ({ supported: false, reason: 'navigator.gpu is missing', install: 'webgpu' }),
  init: async () => {
    throw new Error('not supported here');
  },
};

export async function main() {
  const registry = createBackendRegistry().use(cpuBackend, absentGpuBackend);
  const { backend, tried } = await selectBackend('auto', registry); // highest priority that is supported
  console.log(`using "${backend.name}" (tfjs: ${tf.getBackend()}); passed over: ${tried.map((b) => `${b.name} (${b.reason})`).join(', ')}`);
  return { selected: backend.name, tfjsBackend: tf.getBackend(), tried };
}

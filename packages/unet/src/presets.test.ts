import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArchitecture } from './architecture';
import { resolveUnetConfig } from './config';
import { UNET_PRESETS, type UnetPresetName } from './presets';
import { createAdmUnet } from './unet';

const TINY: readonly UnetPresetName[] = ['tiny-32', 'tiny-16-32', 'tiny-32-64'];

describe('presets', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm'); // the forward passes of the tiny presets, fast on a CPU
  });

  it.each(Object.keys(UNET_PRESETS) as UnetPresetName[])('%s is laid out without allocating', (name) => {
    const config = resolveUnetConfig(UNET_PRESETS[name]);
    const before = tf.memory().numTensors;
    const arch = buildArchitecture(config);
    expect(tf.memory().numTensors).toBe(before);
    expect(arch.outputChannels).toBe(config.learnSigma ? 6 : 3);
    expect(arch.inputChannels).toBe(config.superRes === null ? 3 : 6);
    // The decoder mirrors the encoder: one output block per input block.
    expect(arch.outputBlocks.length).toBe(arch.inputBlocks.length);
    expect(arch.finalChannels).toBe(config.modelChannels * config.channelMult[0]!);
  });

  it.each(TINY)('%s builds and runs', async (name) => {
    const config = resolveUnetConfig(UNET_PRESETS[name]);
    const model = createAdmUnet(config);
    const s = config.imageSize;
    const x = tf.randomNormal([1, s, s, 3]) as tf.Tensor4D;
    const lowRes = config.superRes === null ? undefined : (tf.randomNormal([1, s / 2, s / 2, 3]) as tf.Tensor4D);
    const cond = {
      classLabels: tf.tensor1d([config.numClasses!], 'int32'), // the null class of classifier-free guidance
      ...(lowRes && { lowRes }),
      ...(config.augLevelEmbedding && { augLevel: tf.tensor1d([100], 'float32') }),
    };
    const y = model.forward(x, tf.tensor1d([999], 'int32'), cond);
    expect(y.shape).toEqual([1, s, s, config.learnSigma ? 6 : 3]);
    expect(Array.from(await y.data()).every((v) => v === 0)).toBe(true); // zero-initialised output conv
    tf.dispose([x, y, cond]);
    model.dispose();
  });
});

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, memoryStorage } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFastCpuConvFilterGrad } from '../testing/cpu-conv-filter-grad';
import { extractFeatures } from './extract-features';
import { fingerprint } from './fingerprint';
import { smallConvnetExtractor } from './procedural-classifier-extractor';
import { createSmallConvnet } from './small-convnet';
import { defaultExtractorWidths, trainExtractor } from './train-extractor';
import { EXTRACTOR_FILE, EXTRACTOR_WEIGHTS, loadExtractor, saveExtractor } from './trained-extractor';

beforeAll(async () => {
  await tf.setBackend('cpu');
  useFastCpuConvFilterGrad();
});

/** 8×8 grey images of 3 classes told apart by brightness: class c is (c − 1)·0.6 plus noise of std 0.3. */
const greyData = (perClass: number, seed: number) => {
  const rng = createRng(seed);
  const count = 3 * perClass;
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  const images = Float32Array.from({ length: count * 64 }, (_, j) => (labels[Math.floor(j / 64)]! - 1) * 0.6 + 0.3 * rng.normal());
  return { images, labels, count };
};
const classNames = ['dark', 'mid', 'light'];

describe('defaultExtractorWidths', () => {
  it('takes as many of 16, 32, 64, 128 as halve the resolution exactly down to 2×2 or more', () => {
    expect(defaultExtractorWidths(32)).toEqual([16, 32, 64, 128]);
    expect(defaultExtractorWidths(28)).toEqual([32, 64, 128]);
    expect(defaultExtractorWidths(16)).toEqual([16, 32, 64, 128]);
    expect(defaultExtractorWidths(8)).toEqual([32, 64, 128]);
    expect(defaultExtractorWidths(7)).toEqual([128]);
  });
});

describe('trainExtractor, saveExtractor and loadExtractor', () => {
  it('train on a held-out split, save a directory with a hash, and load as a grey feature extractor that gives the same features', async () => {
    const before = tf.memory().numTensors;
    const data = greyData(20, 1);
    const { net, training } = await trainExtractor({ data, classNames, resolution: 8, channels: 1, widths: [4, 8], hidden: 8, epochs: 6, batchSize: 8, lr: 1e-2, seed: 2 });
    expect(training).toMatchObject({ images: 60, trainImages: 54, heldOutImages: 6, heldOutFraction: 0.1, epochs: 6, seed: 2 });
    expect(training.heldOutAccuracy).toBeGreaterThanOrEqual(5 / 6); // brightness classes are easy
    expect(Object.keys(training.heldOutAccuracyByClass as object)).toEqual(classNames);

    const storage = memoryStorage();
    const file = await saveExtractor(storage, 'ext', net, { name: 'grey-test', classNames, training });
    const weights = await storage.read(`ext/${EXTRACTOR_WEIGHTS}`);
    expect(file).toMatchObject({ format: 'cdm-extractor', version: 1, name: 'grey-test', classNames, resolution: 8, channels: 1, architecture: { type: 'small-convnet', channels: [4, 8], hidden: 8, numClasses: 3, seed: 2 } });
    expect(file.weights).toEqual({ file: EXTRACTOR_WEIGHTS, fingerprint: fingerprint(weights) });
    expect(JSON.parse(new TextDecoder().decode(await storage.read(`ext/${EXTRACTOR_FILE}`)))).toEqual(file);

    const loaded = await loadExtractor({ storage, path: 'ext' });
    expect(loaded).toMatchObject({ name: 'grey-test', fingerprint: file.weights.fingerprint, featureDim: 8, numClasses: 3, channels: 1, classNames });
    const original = smallConvnetExtractor(net, { format: 'cdm-small-convnet', version: 1, name: 'original', ...net.config });
    const a = await extractFeatures(loaded, data.images.subarray(0, 12 * 64), 12, 8, { channels: 1, batchSize: 5 });
    const b = await extractFeatures(original, data.images.subarray(0, 12 * 64), 12, 8, { channels: 1 });
    expect(Array.from(a.features)).toEqual(Array.from(b.features));
    expect(Array.from(a.logits!)).toEqual(Array.from(b.logits!));
    // A grey extractor refuses RGB images rather than guessing a conversion.
    await expect(extractFeatures(loaded, new Float32Array(2 * 64 * 3), 2, 8)).rejects.toThrow(
      'Invalid images for grey-test: expected 1-channel (grey) images: this extractor takes grey images, got "3-channel images"',
    );
    loaded.dispose();
    original.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses weights whose hash differs from the recorded one, and a file of another format', async () => {
    const net = createSmallConvnet({ imageSize: 8, inputChannels: 3, channels: [4], hidden: 4, numClasses: 2, seed: 1 });
    const storage = memoryStorage();
    const file = await saveExtractor(storage, 'ext', net, { name: 'rgb', classNames: ['a', 'b'], training: { heldOutAccuracy: 0.5 } });
    net.dispose();
    const other = createSmallConvnet({ imageSize: 8, inputChannels: 3, channels: [4], hidden: 4, numClasses: 2, seed: 9 });
    await saveExtractor(storage, 'other', other, { name: 'rgb', classNames: ['a', 'b'], training: { heldOutAccuracy: 0.5 } });
    other.dispose();
    await storage.write(`ext/${EXTRACTOR_WEIGHTS}`, await storage.read(`other/${EXTRACTOR_WEIGHTS}`));
    await expect(loadExtractor({ storage, path: 'ext' })).rejects.toThrow(`Invalid ext/extractor.json weights.fingerprint: expected`);
    await expect(loadExtractor({ storage, path: 'ext' })).rejects.toThrow(`(were the weights replaced after training?), got "${file.weights.fingerprint}"`);
    await storage.write(`other/${EXTRACTOR_FILE}`, new TextEncoder().encode(JSON.stringify({ format: 'cdm-small-convnet', version: 1 })));
    await expect(loadExtractor({ storage, path: 'other' })).rejects.toThrow('Invalid other/extractor.json format/version: expected "cdm-extractor" version 1 (written by cdm extractor train), got "cdm-small-convnet 1"');
  });

  it('feeds grey images to an RGB extractor as three equal channels', async () => {
    const net = createSmallConvnet({ imageSize: 8, channels: [4], hidden: 4, numClasses: 2, seed: 1 });
    const extractor = smallConvnetExtractor(net, { format: 'cdm-small-convnet', version: 1, name: 'rgb', ...net.config });
    const grey = greyData(1, 3).images.subarray(0, 2 * 64);
    const rgb = Float32Array.from({ length: 2 * 64 * 3 }, (_, j) => grey[Math.floor(j / 3)]!);
    const fromGrey = await extractFeatures(extractor, grey, 2, 8, { channels: 1 });
    const fromRgb = await extractFeatures(extractor, rgb, 2, 8);
    expect(Array.from(fromGrey.features)).toEqual(Array.from(fromRgb.features));
    await expect(extractFeatures(extractor, grey, 2, 8)).rejects.toThrow('Invalid images: expected 2 RGB images of 8×8 (384 values), got "128 values"');
    extractor.dispose();
  });
});

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { memoryStorage } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { proceduralDataset } from '../datasets';
import { extractFeatures } from './extract-features';
import { PROCEDURAL_CLASSIFIER_ASSET, proceduralClassifierExtractor } from './procedural-classifier-extractor';
import { renderProceduralExamples } from './procedural-examples';
import { topKAccuracy } from './top-k-accuracy';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The shipped weights, read from the package folder into a memory storage (core stays platform-free). */
async function shippedStorage() {
  const dir = fileURLToPath(new URL(`../../${PROCEDURAL_CLASSIFIER_ASSET}/`, import.meta.url));
  const files = ['config.json', 'model.safetensors'];
  return memoryStorage(Object.fromEntries(await Promise.all(files.map(async (f) => [`${PROCEDURAL_CLASSIFIER_ASSET}/${f}`, new Uint8Array(await readFile(dir + f))] as const))));
}

describe('the shipped procedural classifier', () => {
  it('classifies held-out procedural images (another world) at 32×32 and, resized, at 16×16', async () => {
    const extractor = await proceduralClassifierExtractor({ storage: await shippedStorage() });
    expect(extractor.name).toBe('procedural-classifier-v1');
    expect([extractor.featureDim, extractor.numClasses]).toEqual([128, 10]);
    expect(extractor.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(extractor.file.training).toMatchObject({ dataset: 'procedural', trainWorldSeed: 0 });
    // 200 examples of world 7919 (the script measured 2 000 of them: 98.65 % at 32×32, 96.2 % at 16×16).
    for (const [resolution, atLeast] of [[32, 0.95], [16, 0.9]] as const) {
      const held = renderProceduralExamples(proceduralDataset({ resolution, worldSeed: 7919 }), 200, { start: 5000 });
      const { logits } = await extractFeatures(extractor, held.images, held.count, resolution, { batchSize: 100 });
      expect(topKAccuracy(logits!, held.labels, held.count, 10, 1)).toBeGreaterThanOrEqual(atLeast);
    }
    extractor.dispose();
  });
});

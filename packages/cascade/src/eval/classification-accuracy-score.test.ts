import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFastCpuConvFilterGrad } from '../testing/cpu-conv-filter-grad';
import { classificationAccuracyScore } from './classification-accuracy-score';
import type { LabelledImages } from './train-small-convnet';

beforeAll(async () => {
  await tf.setBackend('cpu');
  useFastCpuConvFilterGrad();
});

/** 8×8 images whose class is their colour (red, green, blue, grey), plus noise of std 0.1. */
function colourSet(count: number, seed: number, labelOf = (i: number) => i % 4): LabelledImages {
  const rng = createRng(seed);
  const colours = [[0.8, -0.8, -0.8], [-0.8, 0.8, -0.8], [-0.8, -0.8, 0.8], [0, 0, 0]];
  const images = new Float32Array(count * 64 * 3);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = labelOf(i);
    for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) images[(i * 64 + p) * 3 + c] = colours[labels[i]!]![c]! + 0.1 * rng.normal();
  }
  return { images, labels, count };
}

const architecture = { channels: [4, 8], hidden: 8, numClasses: 4, seed: 3 };

describe('classificationAccuracyScore', () => {
  it('is ~100 % top-1 on a trivially separable set, and top-k counts every class when k ≥ classes', async () => {
    const before = tf.memory().numTensors;
    const result = await classificationAccuracyScore({ generated: colourSet(80, 1), real: colourSet(60, 2), resolution: 8, architecture, epochs: 15, batchSize: 16, lr: 1e-2 });
    expect(result.top1).toBeGreaterThanOrEqual(0.98);
    expect(result.top5).toBe(1); // min(5, 4 classes) = every class
    expect(result).toMatchObject({ trainExamples: 80, testExamples: 60, classifier: 'small-convnet[4,8]/8' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is at chance when the generated labels carry no information about the images', async () => {
    // Generated images all of class 0's colour, labelled 0…3 at random: nothing transfers to real data.
    const rng = createRng(9);
    const generated = colourSet(80, 3, () => 0);
    const shuffled = { ...generated, labels: Int32Array.from(generated.labels, () => rng.int(4)) };
    const result = await classificationAccuracyScore({ generated: shuffled, real: colourSet(60, 4), resolution: 8, architecture, epochs: 5, batchSize: 16, lr: 1e-2 });
    expect(result.top1).toBeLessThan(0.5);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, memoryStorage } from '@cdm/core';
import { codedError } from '@cdm/core/testing';
import { createAdmClassifier, type ClassifierConfig } from '@cdm/unet';
import { beforeAll, describe, expect, it } from 'vitest';
import { proceduralDataset } from '../datasets';
import { useFastCpuConvFilterGrad } from '../testing/cpu-conv-filter-grad';
import { readVariables } from '../training/checkpoint';
import { evaluateClassifier } from './evaluate-classifier';
import { trainClassifier } from './train-classifier';
import type { TrainClassifierOptions } from './train-classifier-options';

beforeAll(async () => {
  await tf.setBackend('cpu');
  useFastCpuConvFilterGrad(); // tfjs-cpu's own filter gradient is ~50× slower
});

const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 1000) });
/** A tiny ADM encoder (@cdm/unet): 36 k parameters, attention pool over the 4×4 middle block. */
const TINY: ClassifierConfig = {
  imageSize: 16,
  modelChannels: 8,
  normGroups: 4,
  outChannels: 10,
  channelMult: [1, 2, 2],
  numResBlocks: 1,
  numHeadChannels: 8,
  useScaleShiftNorm: true,
  resblockUpdown: true,
  seed: 1,
};
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('trainClassifier', () => {
  it('(c) learns the 10 procedural classes at 16×16 from noisy x_t (t ≤ 20) in 60 steps: loss < 1.7, accuracy ≥ 0.3 (chance 0.1)', async () => {
    // Measured (cpu): mean loss of the first 10 updates 2.25, of the last 10 1.33; accuracy 0.65 on
    // 40 freshly noised x_t of the training images. The training set is small (one image per class)
    // because held-out generalisation needs far more steps than a 2-core CI budget has.
    const classifier = createAdmClassifier(TINY);
    const dataset = proceduralDataset({ resolution: 16, size: 10 });
    const storage = memoryStorage();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const result = await trainClassifier({
      classifier,
      diffusion,
      dataset,
      steps: 60,
      batchSize: 5,
      lr: 5e-3,
      maxTimestep: 20,
      checkpointEvery: 30,
      storage,
      runDir: 'cls',
      logEvery: 10,
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    expect(tf.memory().numTensors).toBe(before); // (d): nothing left behind …
    expect(new Set(counts).size).toBe(1); // … and flat from step to step
    expect(result.losses).toHaveLength(60);
    const first = mean(result.losses.slice(0, 10));
    const last = mean(result.losses.slice(-10));
    expect(last).toBeLessThan(1.7);
    expect(last).toBeLessThan(first - 0.4);
    expect(result.checkpoints).toEqual(['cls/checkpoints/step-0000030', 'cls/checkpoints/step-0000060']);
    expect(result.log.map((e) => e.step)).toEqual([10, 20, 30, 40, 50, 60]);
    const lines = new TextDecoder().decode(await storage.read('cls/log.jsonl')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([10, 20, 30, 40, 50, 60]);
    const evaluation = await evaluateClassifier({ classifier, diffusion, dataset, examples: 40, batchSize: 10, maxTimestep: 20, seed: 9 });
    expect(evaluation.examples).toBe(40);
    expect(evaluation.accuracy).toBeGreaterThanOrEqual(0.3); // chance is 0.1 ± 0.047 (binomial SE at n = 40)
    expect(tf.memory().numTensors).toBe(before);
    classifier.dispose();
  });

  it('resumes exactly: 4 steps straight equal 2 steps, an abort, and 2 resumed steps (bit for bit)', async () => {
    const config: ClassifierConfig = { ...TINY, imageSize: 8, channelMult: [1, 2] };
    const dataset = proceduralDataset({ resolution: 8, size: 20 });
    const options = (classifier: ReturnType<typeof createAdmClassifier>, storage: ReturnType<typeof memoryStorage>): TrainClassifierOptions => ({
      classifier,
      diffusion,
      dataset,
      steps: 4,
      batchSize: 3,
      lr: 1e-2,
      gradClip: 1,
      storage,
      runDir: 'r',
      seed: 5,
      logEvery: 1,
    });
    const straight = createAdmClassifier(config);
    const a = await trainClassifier(options(straight, memoryStorage()));
    const storage = memoryStorage();
    const first = createAdmClassifier(config);
    const controller = new AbortController();
    const aborted = await codedError(() =>
      trainClassifier({ ...options(first, storage), signal: controller.signal, onProgress: (e) => e.step === 2 && controller.abort() }),
    );
    expect(aborted).toEqual({ code: 'CDM_ABORTED', message: 'Training the classifier at step 2 (last checkpoint: r/checkpoints/step-0000002) was aborted [CDM_ABORTED]' });
    const resumed = createAdmClassifier({ ...config, seed: 77 }); // different initial weights: all comes from the checkpoint
    const b = await trainClassifier({ ...options(resumed, storage), resume: true });
    expect(b.startStep).toBe(2);
    expect(b.losses).toEqual(a.losses.slice(2));
    const [wa, wb] = [await readVariables(straight.parameters()), await readVariables(resumed.parameters())];
    for (const [name, { data }] of wa) expect(Array.from(wb.get(name)!.data), name).toEqual(Array.from(data));
    await expect(trainClassifier({ ...options(resumed, storage), batchSize: 4 })).rejects.toThrow(/Invalid batchSize: expected 3, as in the run being resumed/);
    [straight, first, resumed].forEach((c) => c.dispose());
  });

  describe('(e) bad options give coded errors that name the option', () => {
    const cases: [string, Partial<TrainClassifierOptions>, RegExp][] = [
      ['steps', { steps: 0 }, /Invalid steps: expected a positive integer, got 0/],
      ['batchSize', { batchSize: 1.5 }, /Invalid batchSize/],
      ['lr', { lr: 0 }, /Invalid lr: expected a finite number > 0/],
      ['gradClip', { gradClip: -1 }, /Invalid gradClip/],
      ['maxTimestep', { maxTimestep: 1000 }, /Invalid maxTimestep: expected an integer in 0…999, got 1000/],
      ['checkpointEvery', { checkpointEvery: 0 }, /Invalid checkpointEvery/],
      ['logEvery', { logEvery: 0 }, /Invalid logEvery/],
      ['resume', { resume: 'yes' as 'auto' }, /Invalid resume/],
      ['dataset.resolution', { dataset: proceduralDataset({ resolution: 8, size: 10 }) }, /Invalid dataset\.resolution: expected 16 \(the classifier's image size\), got 8/],
      ['diffusion (respaced)', { diffusion: diffusion.respace('ddim10') }, /Invalid diffusion: expected the trained process, not a respaced one/],
    ];
    it.each(cases)('%s', async (_name, override, message) => {
      const classifier = createAdmClassifier(TINY);
      const options = { classifier, diffusion, dataset: proceduralDataset({ resolution: 16, size: 10 }), steps: 1, batchSize: 2, lr: 1e-3, storage: memoryStorage(), runDir: 'x', ...override };
      const error = await codedError(() => trainClassifier(options as TrainClassifierOptions));
      expect(error.code).toBe('CDM_INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
      classifier.dispose();
    });

    it('a dataset with other classes, and a classifier without parameters', async () => {
      const classifier = createAdmClassifier({ ...TINY, outChannels: 4 });
      const base = { diffusion, dataset: proceduralDataset({ resolution: 16, size: 10 }), steps: 1, batchSize: 2, lr: 1e-3, storage: memoryStorage(), runDir: 'x' };
      expect((await codedError(() => trainClassifier({ ...base, classifier }))).message).toMatch(/Invalid dataset\.numClasses: expected 4 \(the classifier's classes\), got 10/);
      classifier.dispose();
      const analytic = { numClasses: 10, imageSize: 16, channels: 3, forward: () => tf.zeros([1, 10]) as tf.Tensor2D, parameters: () => new Map() };
      expect((await codedError(() => trainClassifier({ ...base, classifier: analytic }))).message).toMatch(/Invalid classifier: expected a classifier with trainable parameters/);
    });
  });
});

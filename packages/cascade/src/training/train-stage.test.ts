import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import {
  GaussianDiffusion,
  alphaBarAtLevel,
  createNoiseSchedule,
  isCdmError,
  memoryStorage,
  randomNormal,
  readSafetensors,
  toFloat32,
  writeSafetensors,
  type AugmentationPolicy,
  type Denoiser,
  type DenoiserCallOptions,
  type Storage,
} from '@cdm/core';
import { createAdmUnet } from '@cdm/unet';
import { beforeAll, describe, expect, it } from 'vitest';
import { proceduralDataset } from '../datasets';
import { createStage, type Stage } from '../stage/stage';
import { tinyDenoiser } from '../testing/tiny-denoiser';
import { readVariables, TRAINING_STATE_FILE, type TrainingState } from './checkpoint';
import { useFastCpuConvFilterGrad } from '../testing/cpu-conv-filter-grad';
import { trainStage, type TrainStageResult } from './train-stage';
import { resolveTrainOptions, type TrainStageOptions } from './train-options';
import type { TrainingLogEntry } from './training-log';
import { takeHeldOutSet } from './held-out';
import { learningRate } from './learning-rate';
import { assignWeights } from './init-weights';

beforeAll(async () => {
  await tf.setBackend('cpu');
  useFastCpuConvFilterGrad(); // tfjs-cpu's own filter gradient is ~50× slower; see its test
});

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Gaussian conditioning augmentation written against core's contract (Ho et al. 2021 §3.1):
 * level s ~ U{0…maxLevel}, image √ᾱ_s·x + √(1 − ᾱ_s)·ε with ᾱ_s = alphaBarAtLevel(schedule, s).
 */
function gaussianNoiseAugmentation(maxLevel: number): AugmentationPolicy {
  const schedule = createNoiseSchedule('cosine', 1000);
  const noised = (x: tf.Tensor4D, levels: number[], rng: Parameters<AugmentationPolicy['train']>[1]['rng']) =>
    tf.tidy(() => {
      const column = (f: (s: number) => number) => tf.tensor4d(levels.map(f), [levels.length, 1, 1, 1]);
      const noise = randomNormal<tf.Rank.R4>(rng, x.shape);
      const image = tf.add(tf.mul(column((s) => Math.sqrt(alphaBarAtLevel(schedule, s))), x), tf.mul(column((s) => Math.sqrt(1 - alphaBarAtLevel(schedule, s))), noise));
      return { image: image as tf.Tensor4D, level: tf.tensor1d(levels, 'float32') };
    });
  return {
    name: 'test-gaussian-noise',
    train: (x, { rng }) => noised(x, Array.from({ length: x.shape[0] }, () => rng.int(maxLevel + 1)), rng),
    sample: (x, { rng }, { level }) => noised(x, new Array<number>(x.shape[0]).fill(level), rng),
  };
}

type TinyStage = Stage & { dispose(): void };

/** A 16×16 class-conditional stage with a null class; `T` timesteps of the cosine schedule. */
function baseStage(options: { seed?: number; T?: number; wrap?: (d: Denoiser) => Denoiser } = {}): TinyStage {
  const denoiser = tinyDenoiser({ numClasses: 10, nullClass: true, hidden: 8, seed: options.seed ?? 1 });
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', options.T ?? 1000) });
  const stage = createStage({ resolution: 16, denoiser: options.wrap ? options.wrap(denoiser) : denoiser, diffusion, numClasses: 10, nullClass: 10 });
  return { ...stage, dispose: denoiser.dispose };
}

function srStage(upsample: 'bilinear' | 'bicubic'): TinyStage {
  const denoiser = tinyDenoiser({ superResolution: true, hidden: 8, seed: 2 });
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 1000) });
  const stage = createStage({ resolution: 32, lowResolution: 16, upsample, augmentation: gaussianNoiseAugmentation(250), denoiser, diffusion });
  return { ...stage, dispose: denoiser.dispose };
}

const data16 = proceduralDataset({ resolution: 16, size: 1000 });

async function weightsOf(stage: Stage): Promise<Map<string, Float32Array>> {
  return new Map([...(await readVariables(stage.denoiser.parameters()))].map(([name, { data }]) => [name, data] as const));
}

function expectBitIdentical(a: ReadonlyMap<string, Float32Array>, b: ReadonlyMap<string, Float32Array>) {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, values] of a) {
    const other = b.get(name)!;
    const same = values.length === other.length && values.every((v, i) => Object.is(v, other[i]));
    expect(same, `parameter ${name} differs`).toBe(true);
  }
}

/** Drops the keys whose value is undefined (exactOptionalPropertyTypes: an absent option, not an undefined one). */
function withoutUndefined<T extends object>(options: { [K in keyof T]?: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}

async function readState(storage: Storage, runDir: string): Promise<TrainingState> {
  return JSON.parse(new TextDecoder().decode(await storage.read(`${runDir}/${TRAINING_STATE_FILE}`))) as TrainingState;
}

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isCdmError(error) ? error.code : error).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
  return error as Error;
}

describe('trainStage', () => {
  it('trains a 16×16 base stage: the loss over the last 50 of 200 steps is < 0.4 and under half of the first 20 steps', async () => {
    // Measured (cpu, seed 0): step 0 1.40, first 20 steps 0.92, last 50 steps 0.297.
    const stage = baseStage();
    const storage = memoryStorage();
    const result = await trainStage({ stage, dataset: data16, steps: 200, batchSize: 4, lr: 1e-2, storage, runDir: 'base', checkpointEvery: 100, log: { every: 25 } });
    stage.dispose();
    expect(result.step).toBe(200);
    expect(result.examplesSeen).toBe(800);
    expect(result.losses).toHaveLength(200);
    const first = mean(result.losses.slice(0, 20));
    const last = mean(result.losses.slice(-50));
    expect(last).toBeLessThan(0.4);
    expect(last).toBeLessThan(first / 2);
    expect(result.checkpoints).toEqual(['base/checkpoints/step-0000100', 'base/checkpoints/step-0000200']);
    expect(result.log.map((e) => e.step)).toEqual([25, 50, 75, 100, 125, 150, 175, 200]);
    // The log file holds the same lines, as JSON, one per line.
    const lines = new TextDecoder().decode(await storage.read('base/log.jsonl')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([25, 50, 75, 100, 125, 150, 175, 200]);
    const entry = result.log[7]!;
    expect(entry.examplesSeen).toBe(800);
    expect(entry.lr).toBe(1e-2);
    expect(entry.lossByQuartile.every((q) => q !== null && q > 0)).toBe(true);
    // At high noise ε is easy to predict from x_t; at low noise it is hardest (quartile 0 is largest).
    expect(entry.lossByQuartile[0]!).toBeGreaterThan(entry.lossByQuartile[3]!);
  });

  it('trains a 16→32 super-resolution stage with Gaussian conditioning augmentation: last 20 of 60 steps < 0.6 × first 10', async () => {
    // Measured (cpu): first 10 steps 1.003 (bicubic) / 0.999 (bilinear), last 20 steps 0.377 / 0.373.
    const data32 = proceduralDataset({ resolution: 32, size: 1000 });
    for (const upsample of ['bicubic', 'bilinear'] as const) {
      const stage = srStage(upsample);
      const result = await trainStage({ stage, dataset: data32, steps: 60, batchSize: 4, lr: 1e-2, storage: memoryStorage(), runDir: 'sr', log: { every: 20 } });
      stage.dispose();
      const first = mean(result.losses.slice(0, 10));
      const last = mean(result.losses.slice(-20));
      expect(last, upsample).toBeLessThan(0.6 * first);
    }
  });

  describe('exact resume', () => {
    const N = 40;
    /** The run's options; `undefined` in `extra` removes an option. */
    const common = (stage: Stage, storage: Storage, extra: { [K in keyof TrainStageOptions]?: TrainStageOptions[K] | undefined } = {}): TrainStageOptions =>
      withoutUndefined({
        stage,
        dataset: data16,
        steps: N,
        batchSize: 4,
        gradAccumulation: 2,
        lr: 5e-3,
        warmup: 5,
        lrSchedule: 'cosine', // the rate depends on the update number alone, so it resumes exactly too
        minLr: 5e-4,
        lrDecaySteps: N,
        gradClip: 0.5,
        ema: 0.99,
        classDropout: 0.3,
        timestepSampler: 'loss-second-moment',
        checkpointEvery: 10,
        storage,
        runDir: 'run',
        seed: 7,
        log: { every: 1 },
        heldOut: { examples: 6, every: 10, raw: true },
        ...extra,
      });
    const comparable = (log: readonly TrainingLogEntry[]) =>
      log.map(({ step, loss, lossByQuartile, gradNorm, lr, heldOutLoss, heldOutLossRaw }) => ({ step, loss, lossByQuartile, gradNorm, lr, heldOutLoss, heldOutLossRaw }));

    let straight: {
      weights: Map<string, Float32Array>;
      losses: readonly number[];
      log: ReturnType<typeof comparable>;
      heldOut: TrainStageResult['heldOut'];
      ema: Uint8Array;
      state: TrainingState;
    };
    /** The EMA tensors of the straight run's last checkpoint, in parameter order. */
    const straightEma = () => {
      const { tensors } = readSafetensors(straight.ema);
      return new Map([...straight.weights.keys()].map((name) => [name, toFloat32(tensors.get(name)!)] as const));
    };
    beforeAll(async () => {
      const stage = baseStage({ T: 8 }); // T = 8 so the importance sampler fills its history and switches on
      const storage = memoryStorage();
      const result = await trainStage(common(stage, storage));
      const state = await readState(storage, 'run');
      straight = { weights: await weightsOf(stage), losses: result.losses, log: comparable(result.log), heldOut: result.heldOut, ema: await storage.read(`run/${state.files.ema}`), state };
      stage.dispose();
    });

    /** Resumes in `storage` with a differently initialised model, and checks everything matches the straight run. */
    async function resumeAndCompare(storage: Storage, lossesBefore: readonly number[], resumedFrom: number) {
      const stage = baseStage({ T: 8, seed: 99 });
      const result = await trainStage(common(stage, storage, { resume: true }));
      expect(result.startStep).toBe(resumedFrom);
      expectBitIdentical(await weightsOf(stage), straight.weights);
      stage.dispose();
      expect([...lossesBefore.slice(0, resumedFrom), ...result.losses]).toEqual(straight.losses);
      expect(comparable(result.log)).toEqual(straight.log);
      const state = await readState(storage, 'run');
      expect(await storage.read(`run/${state.files.ema}`)).toEqual(straight.ema);
      expect({ ...state, trainingSeconds: 0 }).toEqual({ ...straight.state, trainingSeconds: 0 });
    }

    it('the logged learning rate warms up over 5 updates, then follows the cosine down towards minLr', () => {
      const rates = straight.log.map((e) => e.lr);
      expect(rates.slice(0, 5)).toEqual([1, 2, 3, 4, 5].map((k) => (5e-3 * k) / 5));
      const settings = { lr: 5e-3, warmup: 5, schedule: 'cosine', minLr: 5e-4, decaySteps: N } as const;
      expect(rates).toEqual(rates.map((_, k) => learningRate(settings, k)));
      expect(rates.at(-1)).toBeGreaterThan(5e-4);
      expect(rates.at(-1)).toBeLessThan(5.1e-4);
    });

    it('the importance sampler warmed up during the run (so its state is part of what resumes)', () => {
      const history = straight.state.timestepSampler['history'] as number[][];
      expect(history.every((row) => row.length === 10)).toBe(true);
    });

    it('logs the held-out loss of the EMA weights (and of the trained ones) at steps 10, 20, 30, 40, in the lines of those steps', () => {
      const evaluated = straight.log.filter((e) => e.heldOutLoss !== undefined);
      expect(evaluated.map((e) => e.step)).toEqual([10, 20, 30, 40]);
      expect(straight.log.filter((e) => e.heldOutLossRaw !== undefined).map((e) => e.step)).toEqual([10, 20, 30, 40]);
      for (const e of evaluated) {
        expect(e.heldOutLoss!).toBeGreaterThan(0);
        expect(e.heldOutLoss!).not.toBe(e.heldOutLossRaw); // EMA (decay 0.99) and trained weights differ
      }
      expect(straight.heldOut.map((h) => h.step)).toEqual([10, 20, 30, 40]);
      expect(straight.heldOut[3]!.loss).toBe(evaluated[3]!.heldOutLoss);
    });

    it('the logged held-out loss is the fixed set evaluated with the EMA weights of the checkpoint', async () => {
      const stage = baseStage({ T: 8, seed: 99 });
      assignWeights(stage.denoiser.parameters(), straightEma(), 'ema');
      // The default held-out seed is derived from the training seed, as the options' resolution does it.
      const { heldOut } = resolveTrainOptions(common(stage, memoryStorage()));
      const set = await takeHeldOutSet(stage, data16, { examples: 6, seed: heldOut!.seed, microBatchSize: 2 });
      expect(await set.evaluate()).toBe(straight.heldOut[3]!.loss);
      stage.dispose();
    });

    it('held-out evaluation and a snapshot hook leave training untouched; the hook sees the EMA weights, which are then swapped back', async () => {
      const storage = memoryStorage();
      const stage = baseStage({ T: 8 });
      const seen: { step: number; weights: Map<string, Float32Array> }[] = [];
      const result = await trainStage(
        common(stage, storage, {
          heldOut: undefined,
          snapshot: {
            every: 20,
            run: async ({ step, stage: s }) => {
              seen.push({ step, weights: await weightsOf(s) });
              tf.tidy(() => s.denoiser.forward(tf.zeros([2, 16, 16, 3]), tf.tensor1d([1, 2], 'int32'), { classLabels: tf.tensor1d([0, 1], 'int32') }));
            },
          },
        }),
      );
      expect(seen.map((s) => s.step)).toEqual([20, 40]);
      expectBitIdentical(await weightsOf(stage), straight.weights);
      expect(result.losses).toEqual(straight.losses);
      expect(result.log.every((e) => e.heldOutLoss === undefined)).toBe(true);
      expectBitIdentical(seen[1]!.weights, straightEma());
      stage.dispose();
    });

    it('checkpoints saved by time hold exactly what checkpoints saved by step hold', async () => {
      const clocked = (storage: Storage, extra: Parameters<typeof common>[2]) => {
        let minutes = 0;
        const stage = baseStage({ T: 8 });
        const run = trainStage(
          common(stage, storage, { keepLast: false, now: () => minutes * 60_000, onProgress: (e) => (minutes = e.step), ...extra }),
        ).finally(() => stage.dispose());
        return run;
      };
      const byTime = memoryStorage();
      const byStep = memoryStorage();
      const timed = await clocked(byTime, { checkpointEvery: undefined, checkpointMinutes: 10 });
      const stepped = await clocked(byStep, { checkpointEvery: 10, checkpointMinutes: false });
      expect(timed.checkpoints).toEqual(['run/checkpoints/step-0000010', 'run/checkpoints/step-0000020', 'run/checkpoints/step-0000030', 'run/checkpoints/step-0000040']);
      expect(stepped.checkpoints).toEqual(timed.checkpoints);
      expect(timed.trainingSeconds).toBe(40 * 60); // the injected clock measures the session too
      const files = byStep.list().filter((p) => p.startsWith('run/checkpoints/'));
      expect(files).toHaveLength(12);
      expect(byTime.list().filter((p) => p.startsWith('run/checkpoints/'))).toEqual(files);
      for (const path of files) expect(await byTime.read(path), path).toEqual(await byStep.read(path));
      expect(await readState(byTime, 'run')).toEqual(await readState(byStep, 'run'));
    });

    it('a crash after time-based saves at 10 and 20 (clock: a minute per step) resumes from step 20, identically', async () => {
      const storage = memoryStorage();
      const stage = baseStage({ T: 8 });
      const controller = new AbortController();
      const losses: number[] = [];
      let minutes = 0;
      const options = common(stage, storage, {
        checkpointEvery: undefined,
        checkpointMinutes: 10,
        now: () => minutes * 60_000,
        signal: controller.signal,
        saveOnAbort: false,
        onProgress: (entry) => {
          minutes = entry.step;
          losses.push(entry.loss);
          if (entry.step === 25) controller.abort();
        },
      });
      await expectCode(trainStage(options), 'CDM_ABORTED');
      stage.dispose();
      expect((await readState(storage, 'run')).step).toBe(20);
      await resumeAndCompare(storage, losses, 20);
    });

    it('writes log.jsonl line by line (appending, or rewriting where the storage cannot append); a resume cuts it back to its checkpoint', async () => {
      const inner = memoryStorage();
      const { append: _append, ...withoutAppend } = inner;
      for (const base of [inner as Storage, withoutAppend as Storage]) {
        await inner.remove!('run');
        let stepsOnDisk: number[] = [];
        const track = async (path: string) => {
          if (path !== 'run/log.jsonl') return;
          const text = new TextDecoder().decode(await inner.read(path));
          stepsOnDisk = text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as TrainingLogEntry).step);
        };
        const storage: Storage = {
          ...base,
          write: async (path, bytes) => {
            await base.write(path, bytes);
            await track(path);
          },
          ...(base.append === undefined ? {} : { append: async (path: string, bytes: Uint8Array) => (await base.append!(path, bytes), await track(path)) }),
        };
        const stage = baseStage({ T: 8 });
        const controller = new AbortController();
        const seen: number[][] = [];
        const options = common(stage, storage, {
          heldOut: undefined,
          signal: controller.signal,
          saveOnAbort: false,
          onProgress: (entry) => {
            seen.push([...stepsOnDisk]);
            if (entry.step === 25) controller.abort();
          },
        });
        await expectCode(trainStage(options), 'CDM_ABORTED');
        // Each line is on storage by the time onProgress sees it.
        expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => Array.from({ length: i + 1 }, (_, j) => j + 1)));
        const resumedSeen: number[][] = [];
        const resumed = await trainStage(common(stage, storage, { heldOut: undefined, steps: 22, onProgress: () => void resumedSeen.push([...stepsOnDisk]) }));
        expect(resumed.startStep).toBe(20);
        // Lines 21–25 of the crashed session are gone before the resumed session writes its own.
        expect(resumedSeen).toEqual([Array.from({ length: 21 }, (_, j) => j + 1), Array.from({ length: 22 }, (_, j) => j + 1)]);
        stage.dispose();
      }
    });

    it('abort at N/2 − 3 saves a checkpoint; resuming to N gives bit-identical weights, EMA, state and loss curve', async () => {
      const storage = memoryStorage();
      const stage = baseStage({ T: 8 });
      const controller = new AbortController();
      const losses: number[] = [];
      const options = common(stage, storage, {
        signal: controller.signal,
        onProgress: (entry) => {
          losses.push(entry.loss);
          if (entry.step === 17) controller.abort();
        },
      });
      await expectCode(trainStage(options), 'CDM_ABORTED', /at step 17 \(last checkpoint: run\/checkpoints\/step-0000017\)/);
      stage.dispose();
      expect((await readState(storage, 'run')).step).toBe(17);
      await resumeAndCompare(storage, losses, 17);
    });

    it('after a crash without a save (abort with saveOnAbort: false at step 25) it resumes from step 20, identically', async () => {
      const storage = memoryStorage();
      const stage = baseStage({ T: 8 });
      const controller = new AbortController();
      const losses: number[] = [];
      const options = common(stage, storage, {
        signal: controller.signal,
        saveOnAbort: false,
        onProgress: (entry) => {
          losses.push(entry.loss);
          if (entry.step === 25) controller.abort();
        },
      });
      await expectCode(trainStage(options), 'CDM_ABORTED');
      stage.dispose();
      expect((await readState(storage, 'run')).step).toBe(20);
      await resumeAndCompare(storage, losses, 20);
    });

    it('a crash in the middle of writing checkpoint 30 leaves checkpoint 20 valid, and resuming from it is identical', async () => {
      const inner = memoryStorage();
      let failed = false;
      const crashing: Storage = {
        ...inner,
        write: async (path, bytes) => {
          if (path === 'run/checkpoints/step-0000030/optimizer.safetensors' && !failed) {
            failed = true;
            throw new Error('disk full');
          }
          return inner.write(path, bytes);
        },
      };
      const stage = baseStage({ T: 8 });
      const losses: number[] = [];
      await expect(trainStage(common(stage, crashing, { onProgress: (e) => losses.push(e.loss) }))).rejects.toThrow('disk full');
      stage.dispose();
      expect((await readState(inner, 'run')).step).toBe(20);
      await resumeAndCompare(inner, losses, 20);
    });

    it('a data source that fails part-way into step 23 saves step 22 first (the half step undone), and resuming from it is identical', async () => {
      const storage = memoryStorage();
      const stage = baseStage({ T: 8 });
      let calls = 0;
      const failing = {
        ...data16,
        batches(options: Parameters<typeof data16.batches>[0]) {
          const inner = data16.batches(options)[Symbol.asyncIterator]();
          const training = options.seed === 7; // the held-out set draws with its own seed
          return {
            [Symbol.asyncIterator]: () => ({
              next: async () => {
                if (training && ++calls === 2 * 22 + 2) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }); // step 23's second micro-batch
                return inner.next();
              },
              return: async () => (await inner.return?.()) ?? { done: true as const, value: undefined },
            }),
          };
        },
      };
      const losses: number[] = [];
      await expect(trainStage(common(stage, storage, { dataset: failing, onProgress: (e) => losses.push(e.loss) }))).rejects.toThrow('EIO');
      stage.dispose();
      expect((await readState(storage, 'run')).step).toBe(22);
      await resumeAndCompare(storage, losses, 22);
    });

    it('refuses to resume from a tensor of another dtype over the same bytes, or an EMA tensor with a transposed shape', async () => {
      const storage = memoryStorage();
      const stage = baseStage({ T: 8 });
      await trainStage(common(stage, storage, { steps: 10, heldOut: undefined }));
      const state = await readState(storage, 'run');
      const original = { model: await storage.read(`run/${state.files.model}`), ema: await storage.read(`run/${state.files.ema}`) };
      const rewrite = async (file: 'model' | 'ema', change: (name: string, t: { dtype: string; shape: readonly number[]; data: Float32Array }) => unknown) => {
        const { metadata, tensors } = readSafetensors(original[file]);
        const out = new Map([...tensors].map(([name, t]) => [name, (change(name, { dtype: t.dtype, shape: t.shape, data: toFloat32(t) }) ?? { shape: t.shape, data: toFloat32(t) }) as never]));
        await storage.write(`run/${state.files[file]}`, writeSafetensors(out, metadata));
      };
      const resume = () => trainStage(common(stage, storage, { steps: 12, heldOut: undefined }));
      // time.weight [32, 8] stored as I32 with the same bytes: same length, different values.
      await rewrite('model', (name, t) => (name === 'time.weight' ? { dtype: 'I32', shape: t.shape, data: new Int32Array(t.data.buffer) } : undefined));
      await expectCode(resume(), 'CDM_CHECKPOINT_MISMATCH', /model\.safetensors does not match.*time\.weight: dtype I32, expected F32/s);
      await storage.write(`run/${state.files.model}`, original.model);
      await rewrite('ema', (name, t) => (name === 'time.weight' ? { shape: [8, 32], data: t.data } : undefined));
      await expectCode(resume(), 'CDM_CHECKPOINT_MISMATCH', /step-0000010 does not match.*ema time\.weight: shape \[8, 32\], expected \[32, 8\]/s);
      await storage.write(`run/${state.files.ema}`, original.ema);
      expect((await resume()).step).toBe(12);
      stage.dispose();
    });

    it("resume: 'auto' at the target step does nothing; resume: false refuses to overwrite a run; resume: true needs one", async () => {
      const storage = memoryStorage();
      let stage = baseStage({ T: 8 });
      await trainStage(common(stage, storage, { steps: 3 }));
      stage.dispose();
      stage = baseStage({ T: 8 });
      const again = await trainStage(common(stage, storage, { steps: 3, resume: 'auto' }));
      expect([again.startStep, again.step, again.losses.length, again.checkpoint]).toEqual([3, 3, 0, 'run/checkpoints/step-0000003']);
      await expectCode(trainStage(common(stage, storage, { steps: 3, resume: false })), 'CDM_INVALID_ARGUMENT', /Invalid resume: .*already holds a run/);
      await expectCode(trainStage(common(stage, memoryStorage(), { resume: true })), 'CDM_INVALID_ARGUMENT', /Invalid resume: .*no checkpoint/);
      await expectCode(trainStage(common(stage, storage, { steps: 6, batchSize: 8 })), 'CDM_INVALID_ARGUMENT', /Invalid batchSize: expected 4, as in the run being resumed/);
      stage.dispose();
    });
  });

  it('keepLast: 2 keeps the two newest checkpoints and deletes the rest; a storage that cannot delete keeps every one', async () => {
    const storage = memoryStorage();
    const stage = baseStage({ T: 8 });
    const options = { stage, dataset: data16, steps: 12, batchSize: 2, lr: 1e-3, checkpointEvery: 2, keepLast: 2, runDir: 'keep' };
    const result = await trainStage({ ...options, storage });
    const directories = (s: Storage) => s.listDirectory!('keep/checkpoints');
    expect(await directories(storage)).toEqual(['step-0000010', 'step-0000012']);
    expect(result.removedCheckpoints).toEqual([2, 4, 6, 8].map((n) => `keep/checkpoints/step-000000${n}`));
    expect((await readState(storage, 'keep')).step).toBe(12);
    // Resuming to 16 continues from 12 and prunes as it goes.
    await trainStage({ ...options, steps: 16, storage });
    expect(await directories(storage)).toEqual(['step-0000014', 'step-0000016']);

    const inner = memoryStorage();
    const { remove: _remove, ...cannotDelete } = inner;
    const kept = await trainStage({ ...options, storage: cannotDelete });
    expect(kept.removedCheckpoints).toEqual([]);
    expect(await directories(inner)).toHaveLength(6);
    stage.dispose();
  });

  it('a log line says how many updates it averages: fewer for the line of a stop between two lines and the first line after it', async () => {
    const storage = memoryStorage();
    const stage = baseStage({ T: 8 });
    const options = { stage, dataset: data16, batchSize: 2, lr: 1e-3, checkpointEvery: 3, log: { every: 4 }, runDir: 'updates', storage };
    await trainStage({ ...options, steps: 3 }); // lines at 3 (the end: 3 updates); checkpoint at 3
    const resumed = await trainStage({ ...options, steps: 8 });
    expect(resumed.log.map(({ step, updates }) => [step, updates])).toEqual([
      [3, 3],
      [4, 1],
      [8, 4],
    ]);
    stage.dispose();
  });

  it('a crash after a checkpoint taken between two log lines loses no step from the log: the resumed line covers the whole interval, as without the crash', async () => {
    const options = { batchSize: 2, lr: 1e-3, checkpointEvery: 3, log: { every: 4 }, steps: 8 } as const;
    const whole = baseStage({ T: 8 });
    const uninterrupted = await trainStage({ ...options, stage: whole, dataset: data16, runDir: 'whole', storage: memoryStorage() });
    whole.dispose();

    // The process dies right after the checkpoint at step 6 (steps 5 and 6 are in no line yet): every later write fails.
    const inner = memoryStorage();
    let dead = false;
    const dying: Storage = {
      ...inner,
      name: 'dying',
      read: (path, o) => inner.read(path, o),
      exists: (path) => inner.exists(path),
      listDirectory: (path) => inner.listDirectory!(path),
      remove: (path) => inner.remove!(path),
      write: async (path, bytes) => {
        if (dead) throw new Error('killed');
        await inner.write(path, bytes);
        if (path.endsWith(TRAINING_STATE_FILE) && (JSON.parse(new TextDecoder().decode(bytes)) as TrainingState).step === 6) dead = true;
      },
      append: async (path, bytes) => {
        if (dead) throw new Error('killed');
        await inner.append!(path, bytes);
      },
    };
    const crashing = baseStage({ T: 8 });
    await expect(trainStage({ ...options, stage: crashing, dataset: data16, runDir: 'crash', storage: dying })).rejects.toThrow('killed');
    crashing.dispose();
    const state = JSON.parse(new TextDecoder().decode(await inner.read(`crash/${TRAINING_STATE_FILE}`))) as TrainingState;
    expect(state.step).toBe(6);
    expect(state.log?.pending).toMatchObject({ steps: 2, examples: 4 });

    const again = baseStage({ T: 8 });
    const resumed = await trainStage({ ...options, stage: again, dataset: data16, runDir: 'crash', storage: inner });
    again.dispose();
    const timeless = ({ stepsPerSecond: _r, seconds: _s, ...entry }: TrainingLogEntry) => entry;
    expect(resumed.log.map(({ step, updates }) => [step, updates])).toEqual([
      [4, 4],
      [8, 4],
    ]);
    expect(resumed.log.map(timeless)).toEqual(uninterrupted.log.map(timeless)); // the same means, to the bit
  });

  describe('init', () => {
    /** A run of 5 steps whose checkpoint's files the fine-tuning runs start from. */
    async function pretrained(storage: Storage) {
      const stage = baseStage({ T: 8, seed: 3 });
      await trainStage({ stage, dataset: data16, steps: 5, batchSize: 2, lr: 1e-2, storage, runDir: 'pre' });
      stage.dispose();
      return 'pre/checkpoints/step-0000005/ema.safetensors';
    }
    const tensorsOf = async (storage: Storage, path: string) => {
      const { tensors } = readSafetensors(await storage.read(path));
      return new Map([...tensors].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => [name, toFloat32(t)] as const));
    };

    it('a fresh run starts from the weights of a checkpoint file (EMA included); a resumed run ignores init', async () => {
      const storage = memoryStorage();
      const init = await pretrained(storage);
      const stage = baseStage({ T: 8, seed: 11 });
      // ema: 1 without warm-up keeps the average at the starting weights.
      const options: TrainStageOptions = { stage, dataset: data16, steps: 2, batchSize: 2, lr: 1e-2, ema: 1, emaWarmup: false, storage, runDir: 'fine', init };
      await trainStage(options);
      expectBitIdentical(await tensorsOf(storage, 'fine/checkpoints/step-0000002/ema.safetensors'), await tensorsOf(storage, init));
      // Resuming never reads init (a path that does not exist is no error then).
      const resumed = await trainStage({ ...options, steps: 3, init: 'nowhere/ema.safetensors' });
      expect(resumed.startStep).toBe(2);
      stage.dispose();
    });

    it('weights that do not fit fail with CDM_CHECKPOINT_MISMATCH listing every problem; PyTorch-layout files are refused', async () => {
      const storage = memoryStorage();
      await pretrained(storage);
      const wide = tinyDenoiser({ numClasses: 10, nullClass: true, hidden: 4, seed: 1 });
      const stage = baseStage({ T: 8 });
      const options: TrainStageOptions = { stage, dataset: data16, steps: 1, batchSize: 2, lr: 1e-3, storage, runDir: 'bad-init' };
      const error = await expectCode(
        trainStage({ ...options, init: { source: 'hidden-4', load: async () => new Map([...(await weightsOf({ ...stage, denoiser: wide }))]) } }),
        'CDM_CHECKPOINT_MISMATCH',
        /hidden-4 does not match the network's parameters \(7 problems\)/,
      );
      expect(error.message).toContain('in.weight: 108 values, expected 216 (shape [3, 3, 3, 8])');
      wide.dispose();
      const shaped = new Map([['in.weight', { shape: [8, 3, 3, 3], data: new Float32Array(216) }]]);
      const shapes = await expectCode(trainStage({ ...options, init: { source: 'shaped', load: async () => shaped } }), 'CDM_CHECKPOINT_MISMATCH');
      expect(shapes.message).toContain('in.weight: shape [8, 3, 3, 3], expected [3, 3, 3, 8]');
      expect(shapes.message).toContain('mid.weight: missing');
      await storage.write('torch.safetensors', writeSafetensors(new Map([['in.bias', { shape: [8], data: new Float32Array(8) }]]), { format: 'pt' }));
      await expectCode(trainStage({ ...options, init: 'torch.safetensors' }), 'CDM_INVALID_ARGUMENT', /Invalid init: expected a \.safetensors file in tfjs layout.*has layout "unstated"/);
      stage.dispose();
    });
  });

  it('a NaN loss stops with CDM_TRAINING_DIVERGED naming the step and the last good checkpoint; nothing NaN is saved', async () => {
    let calls = 0;
    const stage = baseStage({
      wrap: (d) => ({ ...d, forward: (x, t, c, o) => tf.tidy(() => tf.mul(d.forward(x, t, c, o), ++calls >= 5 ? NaN : 1)) }),
    });
    const storage = memoryStorage();
    const options: TrainStageOptions = { stage, dataset: data16, steps: 10, batchSize: 2, lr: 1e-3, storage, runDir: 'nan', checkpointEvery: 2 };
    await expectCode(trainStage(options), 'CDM_TRAINING_DIVERGED', /diverged at step 5: the loss is NaN.*Last good checkpoint: nan\/checkpoints\/step-0000004/s);
    stage.dispose();
    expect((await readState(storage, 'nan')).step).toBe(4);
    for (const path of storage.list()) {
      if (!path.endsWith('.safetensors')) continue;
      for (const [name, tensor] of readSafetensors(await storage.read(path)).tensors) expect(toFloat32(tensor).every(Number.isFinite), `${path} ${name}`).toBe(true);
    }
  });

  it('a NaN gradient with a finite loss is caught too, before the weights change', async () => {
    // d√u/du at u = 0 is Inf, and 0·Inf = NaN: the output is unchanged but the gradient is NaN.
    const stage = baseStage({
      wrap: (d) => ({
        ...d,
        forward: (x, t, c, o) =>
          tf.tidy(() => {
            const bias = d.parameters().get('out.bias')!;
            return tf.add(d.forward(x, t, c, o), tf.mul(0, tf.sum(tf.sqrt(tf.sub(bias, bias)))));
          }),
      }),
    });
    const before = await weightsOf(stage);
    await expectCode(
      trainStage({ stage, dataset: data16, steps: 3, batchSize: 2, lr: 1e-3, storage: memoryStorage(), runDir: 'g' }),
      'CDM_TRAINING_DIVERGED',
      /step 1: the gradient norm is NaN.*Last good checkpoint: \(none\)/s,
    );
    expectBitIdentical(await weightsOf(stage), before);
    stage.dispose();
  });

  it('leaves no tensors behind, and the count stays flat from step to step', async () => {
    const stage = srStage('bicubic');
    const data32 = proceduralDataset({ resolution: 32, size: 100 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await trainStage({
      stage,
      dataset: data32,
      steps: 12,
      batchSize: 2,
      gradAccumulation: 2,
      gradClip: 0.1,
      lr: 1e-3,
      storage: memoryStorage(),
      runDir: 'mem',
      checkpointEvery: 4,
      timestepSampler: 'loss-second-moment',
      log: { every: 1 },
      heldOut: { examples: 3, every: 2, raw: true },
      snapshot: { every: 3, run: async () => {} },
      onProgress: () => counts.push(tf.memory().numTensors),
    });
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    stage.dispose();
  });

  describe('gradientCheckpointing', () => {
    /** A tiny class-conditional ADM U-Net at 16×16 (attention, dropout on), its forward calls' options recorded. */
    function unetStage(calls: (DenoiserCallOptions | undefined)[]): TinyStage {
      const unet = createAdmUnet({
        imageSize: 16,
        modelChannels: 8,
        normGroups: 4,
        channelMult: [1, 2],
        numResBlocks: 1,
        attentionResolutions: [8],
        numClasses: 10,
        classifierFreeGuidance: true,
        dropout: 0.1,
        seed: 4,
      });
      const denoiser: Denoiser = { ...unet, forward: (x, t, c, o) => (calls.push(o), unet.forward(x, t, c, o)) };
      const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 1000) });
      return { ...createStage({ resolution: 16, denoiser, diffusion, numClasses: 10, nullClass: 10 }), dispose: () => unet.dispose() };
    }
    const run = async (gradientCheckpointing: boolean | undefined) => {
      const calls: (DenoiserCallOptions | undefined)[] = [];
      const stage = unetStage(calls);
      const entries: TrainingLogEntry[] = [];
      await trainStage({
        stage,
        dataset: data16,
        steps: 3,
        batchSize: 4,
        gradAccumulation: 2,
        lr: 1e-2,
        storage: memoryStorage(),
        runDir: 'gc',
        log: { every: 1 },
        heldOut: { examples: 2, every: 3 },
        onProgress: (entry) => entries.push(entry),
        ...(gradientCheckpointing === undefined ? {} : { gradientCheckpointing }),
      });
      const weights = await weightsOf(stage);
      stage.dispose();
      return { calls, entries, weights };
    };

    it('a tiny ADM U-Net trains as without it: 3 steps of losses, gradient norms and weights within float32 rounding', async () => {
      const plain = await run(undefined);
      const checkpointed = await run(true);
      // Training forwards ask for it (both micro-batches of every step); the held-out evaluation does not.
      expect(plain.calls).toEqual([...new Array<DenoiserCallOptions>(6).fill({ training: true }), { training: false }]);
      expect(checkpointed.calls).toEqual([...new Array<DenoiserCallOptions>(6).fill({ training: true, gradientCheckpointing: true }), { training: false }]);
      // The forward is the same computation (dropout masks replayed) and the backward differs only in
      // float32 rounding: each step's loss and gradient norm, and the held-out loss after step 3, agree
      // within 1e-5 relative (seen: equal).
      const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.abs(b));
      expect(checkpointed.entries.map((e) => e.step)).toEqual([1, 2, 3]);
      checkpointed.entries.forEach((entry, i) => {
        const reference = plain.entries[i]!;
        close(entry.loss, reference.loss);
        close(entry.gradNorm, reference.gradNorm);
      });
      close(checkpointed.entries[2]!.heldOutLoss!, plain.entries[2]!.heldOutLoss!);
      expect(checkpointed.entries[0]!.loss).toBe(plain.entries[0]!.loss); // the first forward: same weights, same masks
      expect([...checkpointed.weights.keys()]).toEqual([...plain.weights.keys()]);
      let worst = 0;
      for (const [name, values] of plain.weights) {
        const other = checkpointed.weights.get(name)!;
        values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - other[i]!))));
      }
      // Three Adam steps at lr 1e-2 move a weight by up to 3e-2; the two runs' weights agree to 1e-4 of
      // that (seen: 4.3e-7, where Adam's step divides a gradient that is small against its rounding).
      expect(worst).toBeLessThanOrEqual(3e-6);
    });

    it('is refused unless a boolean', async () => {
      const stage = baseStage();
      const options = { stage, dataset: data16, steps: 2, batchSize: 2, lr: 1e-3, storage: memoryStorage(), runDir: 'bad' };
      await expectCode(trainStage({ ...options, gradientCheckpointing: 'yes' as unknown as boolean }), 'CDM_INVALID_ARGUMENT', /Invalid gradientCheckpointing: expected a boolean, got "yes"/);
      await expectCode(trainStage({ ...options, gradientCheckpointing: 1 as unknown as boolean }), 'CDM_INVALID_ARGUMENT', /Invalid gradientCheckpointing/);
      stage.dispose();
    });
  });

  it('a super-resolution stage without an augmentation policy gets no augmentation level, in training and held-out evaluation', async () => {
    const denoiser = tinyDenoiser({ superResolution: true, hidden: 4, seed: 2 });
    const levels: (tf.Tensor1D | undefined)[] = [];
    const stage = createStage({
      resolution: 32,
      lowResolution: 16,
      denoiser: { ...denoiser, forward: (x, t, c, o) => (levels.push(c?.augLevel), denoiser.forward(x, t, c, o)) },
      diffusion: new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) }),
    });
    const data32 = proceduralDataset({ resolution: 32, size: 20 });
    await trainStage({ stage, dataset: data32, steps: 2, batchSize: 2, lr: 1e-3, heldOut: { examples: 2, every: 1 }, storage: memoryStorage(), runDir: 'plain' });
    expect(levels).toHaveLength(2 + 2); // two training micro-batches, two held-out evaluations
    expect(levels.every((level) => level === undefined)).toBe(true);
    denoiser.dispose();
  });

  it('classDropout replaces labels with the null class at the stated rate, and leaves the others as the data has them', async () => {
    const seen: number[] = [];
    const stage = baseStage({
      wrap: (d) => ({
        ...d,
        forward: (x, t, c, o) => {
          seen.push(...c!.classLabels!.dataSync());
          return d.forward(x, t, c, o);
        },
      }),
    });
    const steps = 25;
    const batchSize = 8;
    await trainStage({ stage, dataset: data16, steps, batchSize, lr: 1e-3, classDropout: 0.25, storage: memoryStorage(), runDir: 'cfg', seed: 3 });
    stage.dispose();
    const expected: number[] = [];
    const stream = data16.batches({ batchSize, seed: 3 })[Symbol.asyncIterator]();
    for (let i = 0; i < steps; i++) {
      const { value } = await stream.next();
      expected.push(...(await value.labels.data()));
      tf.dispose([value.images, value.labels]);
    }
    await stream.return?.();
    expect(seen).toHaveLength(steps * batchSize);
    expect(seen.every((label, i) => label === expected[i] || label === 10)).toBe(true);
    const rate = seen.filter((label) => label === 10).length / seen.length;
    expect(Math.abs(rate - 0.25)).toBeLessThan(5 * Math.sqrt((0.25 * 0.75) / seen.length));
  });

  describe('bad options give coded errors that name the option', () => {
    const cases: [string, (stage: Stage) => Partial<TrainStageOptions>, RegExp][] = [
      ['steps', () => ({ steps: 0 }), /Invalid steps: expected a positive integer, got 0/],
      ['batchSize', () => ({ batchSize: 2.5 }), /Invalid batchSize/],
      ['gradAccumulation', () => ({ batchSize: 6, gradAccumulation: 4 }), /Invalid gradAccumulation: expected a positive integer that divides batchSize \(6\)/],
      ['lr', () => ({ lr: -1 }), /Invalid lr/],
      ['warmup', () => ({ warmup: 1.5 }), /Invalid warmup/],
      ['lrSchedule', () => ({ lrSchedule: 'linear' as 'cosine' }), /Invalid lrSchedule: expected 'constant' or 'cosine', got "linear"/],
      ['minLr', () => ({ lrSchedule: 'cosine', minLr: 1 }), /Invalid minLr: expected a number from 0 to lr \(0\.001\), got 1/],
      ['lrDecaySteps', () => ({ lrSchedule: 'cosine', warmup: 2, lrDecaySteps: 2 }), /Invalid lrDecaySteps: expected an integer above warmup \(2\), got 2/],
      ['minLr without cosine', () => ({ minLr: 0 }), /Invalid lrSchedule: expected 'cosine' \(minLr and lrDecaySteps apply to the cosine schedule only\)/],
      ['ema', () => ({ ema: 1.5 }), /Invalid ema: expected a decay in \[0, 1\]/],
      ['gradClip', () => ({ gradClip: 0 }), /Invalid gradClip/],
      ['loss', () => ({ loss: 'hybrid' }), /Invalid loss: expected 'mse' \(the stage's diffusion decides the loss\), got "hybrid"/],
      ['timestepSampler', () => ({ timestepSampler: 'importance' as 'uniform' }), /Invalid timestepSampler: expected 'uniform' or 'loss-second-moment'/],
      ['classDropout', () => ({ classDropout: 2 }), /Invalid classDropout: expected a probability/],
      ['checkpointEvery', () => ({ checkpointEvery: 0 }), /Invalid checkpointEvery/],
      ['checkpointMinutes', () => ({ checkpointMinutes: 0 }), /Invalid checkpointMinutes: expected a number of minutes > 0, or false, got 0/],
      ['keepLast', () => ({ keepLast: 0 }), /Invalid keepLast: expected a positive integer, or false/],
      ['heldOut.examples', () => ({ heldOut: { examples: 0, every: 1 } }), /Invalid heldOut\.examples/],
      ['heldOut.every', () => ({ heldOut: { examples: 2, every: 1.5 } }), /Invalid heldOut\.every/],
      ['heldOut.dataset', () => ({ heldOut: { examples: 2, every: 1, dataset: proceduralDataset({ resolution: 8, size: 10 }) } }), /Invalid heldOut\.dataset\.resolution: expected 16/],
      ['snapshot.every', () => ({ snapshot: { every: 0, run: async () => {} } }), /Invalid snapshot\.every/],
      ['resume', () => ({ resume: 'yes' as 'auto' }), /Invalid resume/],
      ['log.every', () => ({ log: { every: 0 } }), /Invalid log\.every/],
      ['dataset.resolution', () => ({ dataset: proceduralDataset({ resolution: 8, size: 10 }) }), /Invalid dataset\.resolution: expected 16 \(the resolution of stage "stage-16"\), got 8/],
    ];
    it.each(cases)('%s', async (_name, make, message) => {
      const stage = baseStage();
      const options = { stage, dataset: data16, steps: 2, batchSize: 2, lr: 1e-3, storage: memoryStorage(), runDir: 'bad', ...make(stage) } as TrainStageOptions;
      await expectCode(trainStage(options), 'CDM_INVALID_ARGUMENT', message);
      stage.dispose();
    });

    it('classDropout on a stage without a null class', async () => {
      const denoiser = tinyDenoiser({ numClasses: 10, hidden: 8 });
      const stage = createStage({ resolution: 16, denoiser, diffusion: new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) }), numClasses: 10 });
      await expectCode(
        trainStage({ stage, dataset: data16, steps: 2, batchSize: 2, lr: 1e-3, classDropout: 0.1, storage: memoryStorage(), runDir: 'x' }),
        'CDM_INVALID_ARGUMENT',
        /Invalid classDropout: expected 0 for stage "stage-16", which has no nullClass/,
      );
      denoiser.dispose();
    });

    it('a super-resolution factor that is not an integer, and a respaced diffusion', async () => {
      const denoiser = tinyDenoiser({ superResolution: true, hidden: 8 });
      const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 100) });
      const odd = createStage({ resolution: 16, lowResolution: 6, denoiser, diffusion });
      await expectCode(
        trainStage({ stage: odd, dataset: data16, steps: 2, batchSize: 2, lr: 1e-3, storage: memoryStorage(), runDir: 'x' }),
        'CDM_INVALID_ARGUMENT',
        /Invalid stage-16: lowResolution: expected a divisor of the resolution 16/,
      );
      const respaced = createStage({ resolution: 16, lowResolution: 8, denoiser, diffusion: diffusion.respace('ddim10') });
      await expectCode(
        trainStage({ stage: respaced, dataset: data16, steps: 2, batchSize: 2, lr: 1e-3, storage: memoryStorage(), runDir: 'x' }),
        'CDM_INVALID_ARGUMENT',
        /Invalid stage-16: diffusion: expected the trained process, not a respaced one/,
      );
      denoiser.dispose();
    });
  });
});

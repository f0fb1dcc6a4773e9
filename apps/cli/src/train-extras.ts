import { resolve } from 'node:path';
import { errors, type Dataset, type Denoiser, type Registries, type Storage } from '@cdm/core';
import type { Stage, TrainStageOptions } from '@cdm/cascade';
import { imageFolderDataset } from '@cdm/backend-node';
import { initWeights } from './init-weights';
import { sampleSnapshot } from './sample-snapshot';
import type { TrainConfig } from './train-config';

export interface TrainExtrasInput {
  readonly config: TrainConfig;
  readonly configDir: string;
  readonly stage: Stage;
  readonly denoiser: Denoiser;
  readonly dataset: Dataset;
  readonly classNames: readonly string[] | undefined;
  readonly registries: Registries;
  readonly storage: Storage;
  /** The run directory as a storage path. */
  readonly runDir: string;
  /** Called with each sample grid written. */
  readonly onSampleGrid?: (path: string) => void;
  /** Called when a sample grid could not be made: a grid is for watching, so training goes on. */
  readonly onSampleGridFailed?: (step: number, error: unknown) => void;
}

type Extras = Pick<TrainStageOptions, 'checkpointMinutes' | 'keepLast' | 'heldOut' | 'snapshot' | 'init'>;

/**
 * trainStage's options for what a run can be watched by and started from: time-based checkpoints
 * and their retention, the held-out loss (an image folder opened without random flips, or the
 * training data under its own seed), sample grids every `sampleEvery` steps, and `init`.
 * Paths are relative to the config's folder.
 */
export async function trainExtras(input: TrainExtrasInput): Promise<Extras> {
  const { config, configDir, stage } = input;
  const t = config.training;
  const extras: { -readonly [K in keyof Extras]: Extras[K] } = {};
  if (t.checkpointMinutes !== undefined) extras.checkpointMinutes = t.checkpointMinutes;
  if (t.keepLast !== undefined) extras.keepLast = t.keepLast;
  if (t.heldOut !== undefined) {
    const { path, examples, every, seed } = t.heldOut;
    extras.heldOut = {
      examples,
      every,
      ...(seed === undefined ? {} : { seed }),
      ...(path === undefined ? {} : { dataset: await heldOutFolder(resolve(configDir, path), stage, input.classNames) }),
    };
  }
  if (t.sampleEvery !== undefined) {
    const run = await sampleSnapshot({
      stage,
      dataset: input.dataset,
      classNames: input.classNames,
      storage: input.storage,
      runDir: input.runDir,
      seed: t.seed ?? 0,
      ...(input.onSampleGrid === undefined ? {} : { onWritten: input.onSampleGrid }),
    });
    extras.snapshot = {
      every: t.sampleEvery,
      run: async (context) => {
        try {
          await run(context);
        } catch (error) {
          if (context.signal?.aborted === true) throw error;
          input.onSampleGridFailed?.(context.step, error);
        }
      },
    };
  }
  if (t.init !== undefined) extras.init = initWeights(resolve(configDir, t.init), config.stage.denoiser.type, input.denoiser, input.registries);
  return extras;
}

/** The held-out image folder at the stage's resolution, with the training data's classes in the same order. */
async function heldOutFolder(root: string, stage: Stage, classNames: readonly string[] | undefined): Promise<Dataset> {
  if (stage.channels !== 1 && stage.channels !== 3) throw errors.invalidArgument('training.heldOut.path', 'an image folder for a stage of 1 or 3 channels', stage.channels);
  const folder = await imageFolderDataset({ root, resolution: stage.resolution, channels: stage.channels, randomFlip: false, name: `held-out ${root}` });
  if (stage.numClasses !== undefined && classNames !== undefined && folder.classNames.join('\n') !== classNames.join('\n')) {
    throw errors.classMismatch({ what: `the held-out folder ${root}`, classNames: folder.classNames }, { what: 'the training dataset', classNames });
  }
  return folder;
}

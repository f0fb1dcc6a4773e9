import { resolve } from 'node:path';
import { errors, type Dataset } from '@cdm/core';
import { openPreparedDataset, proceduralDataset } from '@cdm/cascade';
import { CIFAR10_CLASSES, cifar10Dataset, defaultDatasetCacheDir, imageFolderDataset, prepareImageFolder, scanImageFolder } from '@cdm/backend-node';
import { preparedSummary, type DatasetSummary } from './dataset-summary';
import { fileStorage, toStoragePath } from './file-storage';
import type { Progress } from './progress';
import type { DatasetConfig } from './train-config';

export interface OpenedDataset {
  readonly dataset: Dataset;
  readonly classNames: readonly string[] | undefined;
  readonly summary: DatasetSummary;
}

export interface OpenDatasetOptions {
  /** The environment (for the dataset cache: CDM_CACHE_DIR, XDG_CACHE_HOME). */
  readonly env: NodeJS.ProcessEnv;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/**
 * Opens the dataset a training config names at `resolution`; paths are relative to `configDir`. An
 * image folder is prepared first (decoded once into the dataset cache, or the cached copy reused),
 * unless its `cache` is false.
 */
export async function openDataset(config: DatasetConfig, resolution: number, configDir: string, options: OpenDatasetOptions): Promise<OpenedDataset> {
  switch (config.type) {
    case 'procedural': {
      const data = proceduralDataset({
        resolution,
        ...(config.size === undefined ? {} : { size: config.size }),
        ...(config.worldSeed === undefined ? {} : { worldSeed: config.worldSeed }),
        ...(config.supersample === undefined ? {} : { supersample: config.supersample }),
      });
      const summary = plainSummary(data, `procedural (world seed ${config.worldSeed ?? 0})`, data.classNames, config.size);
      return { dataset: data, classNames: data.classNames, summary };
    }
    case 'image-folder': {
      const root = resolve(configDir, config.path);
      const channels = config.channels ?? 3;
      if (config.cache === false) {
        const data = await imageFolderDataset({
          root,
          resolution,
          channels,
          onUnreadable: config.onUnreadable ?? 'skip',
          ...(config.randomFlip === undefined ? {} : { randomFlip: config.randomFlip }),
        });
        const scan = await scanImageFolder(root, ['png', 'jpg', 'jpeg']);
        const summary: DatasetSummary = { ...plainSummary(data, root, data.classNames, data.size), ignored: scan.ignored, emptyClasses: scan.emptyClasses };
        return { dataset: data, classNames: data.classNames, summary };
      }
      let task: ReturnType<Progress['start']> | undefined;
      const prepared = await prepareImageFolder({
        root,
        resolution,
        channels,
        cacheDir: defaultDatasetCacheDir(options.env),
        onUnreadable: config.onUnreadable ?? 'skip',
        ...(config.decoder === undefined ? {} : { decoder: config.decoder }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onProgress: (done, total) => {
          task ??= options.progress?.start(`prepare ${root}`, total, { unit: 'images' });
          task?.update(done);
        },
      }).finally(() => task?.done());
      const data = await openPreparedDataset({
        storage: fileStorage(),
        path: toStoragePath(prepared.path),
        randomFlip: config.randomFlip ?? true,
        name: `image-folder:${root}`,
      });
      return { dataset: data, classNames: data.classNames, summary: preparedSummary(data.name, prepared.manifest, prepared) };
    }
    case 'prepared': {
      const path = resolve(configDir, config.path);
      const data = await openPreparedDataset({ storage: fileStorage(), path: toStoragePath(path), randomFlip: config.randomFlip ?? false });
      if (data.resolution !== resolution) {
        // trainStage names the mismatch too; saying it here points at the dataset rather than the stage.
        throw errors.invalidArgument(`dataset ${path}`, `a prepared dataset at the stage's resolution ${resolution} (prepare one: cdm data prepare <folder> --resolution ${resolution})`, data.resolution);
      }
      return { dataset: data, classNames: data.classNames, summary: preparedSummary(data.name, data.manifest, { path, reused: true, seconds: 0 }) };
    }
    case 'cifar10': {
      const data = await cifar10Dataset({
        root: resolve(configDir, config.path),
        resolution,
        ...(config.split === undefined ? {} : { split: config.split }),
        ...(config.randomFlip === undefined ? {} : { randomFlip: config.randomFlip }),
      });
      return { dataset: data, classNames: CIFAR10_CLASSES, summary: plainSummary(data, resolve(configDir, config.path), CIFAR10_CLASSES, data.size) };
    }
  }
}

/** The summary of a dataset that is read as it is (no preparation): classes without counts. */
function plainSummary(data: Dataset, source: string, classNames: readonly string[], images: number | undefined): DatasetSummary {
  return {
    name: data.name,
    source,
    images,
    resolution: data.resolution,
    channels: data.channels,
    classes: classNames.map((name) => ({ name, count: undefined })),
    skipped: [],
    ignored: [],
    emptyClasses: [],
  };
}

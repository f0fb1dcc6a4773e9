import { resolve } from 'node:path';
import type { Dataset } from '@cdm/core';
import { proceduralDataset } from '@cdm/cascade';
import { CIFAR10_CLASSES, cifar10Dataset, imageFolderDataset } from '@cdm/backend-node';
import type { TrainConfig } from './train-config';

/** Opens the dataset a training config names, at the stage's resolution; paths are relative to the config's folder. */
export async function openDataset(config: TrainConfig, configDir: string): Promise<{ dataset: Dataset; classNames: readonly string[] | undefined }> {
  const { dataset, stage } = config;
  const resolution = stage.resolution;
  switch (dataset.type) {
    case 'procedural': {
      const data = proceduralDataset({
        resolution,
        ...(dataset.size === undefined ? {} : { size: dataset.size }),
        ...(dataset.worldSeed === undefined ? {} : { worldSeed: dataset.worldSeed }),
        ...(dataset.supersample === undefined ? {} : { supersample: dataset.supersample }),
      });
      return { dataset: data, classNames: data.classNames };
    }
    case 'image-folder': {
      const data = await imageFolderDataset({
        root: resolve(configDir, dataset.path),
        resolution,
        ...(dataset.channels === undefined ? {} : { channels: dataset.channels }),
        ...(dataset.randomFlip === undefined ? {} : { randomFlip: dataset.randomFlip }),
      });
      return { dataset: data, classNames: data.classNames };
    }
    case 'cifar10': {
      const data = await cifar10Dataset({
        root: resolve(configDir, dataset.path),
        resolution,
        ...(dataset.split === undefined ? {} : { split: dataset.split }),
        ...(dataset.randomFlip === undefined ? {} : { randomFlip: dataset.randomFlip }),
      });
      return { dataset: data, classNames: CIFAR10_CLASSES };
    }
  }
}

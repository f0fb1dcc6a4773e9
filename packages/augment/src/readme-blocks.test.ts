import { fileURLToPath } from 'node:url';
import { createAugmentationRegistry } from '@cdm/core';
import { describeReadmeBlocks } from '../../../scripts/readme-runner';
import { registerAugmentations } from './index';

await describeReadmeBlocks(fileURLToPath(new URL('../README.md', import.meta.url)), {
  json: {
    'augmentation-policy': (document) => {
      const { name, options } = document as { name: string; options?: unknown };
      registerAugmentations(createAugmentationRegistry()).get(name).create(options);
    },
  },
});

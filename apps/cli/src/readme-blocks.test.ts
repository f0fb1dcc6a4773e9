import { fileURLToPath } from 'node:url';
import { describeReadmeBlocks } from '../../../scripts/readme-runner';
import { trainConfigSchema } from './train-config';

await describeReadmeBlocks(fileURLToPath(new URL('../README.md', import.meta.url)), {
  json: {
    'train-config': (document) => {
      const parsed = trainConfigSchema.safeParse(document);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
    },
  },
});

import { fileURLToPath } from 'node:url';
import { describeReadmeBlocks } from '../../../scripts/readme-runner';

// The examples' own blocks (<!-- example: … -->) are checked by readme.test.ts.
await describeReadmeBlocks(fileURLToPath(new URL('../README.md', import.meta.url)), { testDir: fileURLToPath(new URL('../examples/', import.meta.url)) });

import { fileURLToPath } from 'node:url';
import { describeReadmeBlocks } from '../../../scripts/readme-runner';

await describeReadmeBlocks(fileURLToPath(new URL('../README.md', import.meta.url)));

import { fileURLToPath } from 'node:url';
import { describeReadmeBlocks } from '../../../scripts/readme-runner';
import { parseCascadeManifest } from './manifest/cascade-manifest';

await describeReadmeBlocks(fileURLToPath(new URL('../README.md', import.meta.url)), {
  json: { 'cascade.json': (document) => void parseCascadeManifest(document) },
});

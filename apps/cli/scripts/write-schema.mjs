// Writes schema/train-config.schema.json from the built package (the zod schema cdm train validates
// with). Run `npm run schema -w @cdm/cli` after changing apps/cli/src/train-config.ts; a test fails
// while the committed file is out of date.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'index.js');
if (!existsSync(dist)) {
  console.error(`${dist} is missing: build @cdm/cli first (npm run build -w @cdm/cli)`);
  process.exit(1);
}
const { trainConfigJsonSchemaText, TRAIN_CONFIG_SCHEMA_FILE } = await import(dist);
const out = join(root, TRAIN_CONFIG_SCHEMA_FILE);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, trainConfigJsonSchemaText());
console.log(`wrote ${out}`);

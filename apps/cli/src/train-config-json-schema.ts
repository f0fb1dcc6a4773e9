import { z } from 'zod';
import { trainConfigSchema } from './train-config';

/** Where the generated schema ships inside @cdm/cli, relative to the package root. */
export const TRAIN_CONFIG_SCHEMA_FILE = 'schema/train-config.schema.json';

/**
 * The JSON Schema (draft 2020-12) of a `cdm train` config, generated from the zod schema that
 * `cdm train` validates with, for editors: point a config's `"$schema"` at the file @cdm/cli ships
 * (`node_modules/@cdm/cli/schema/train-config.schema.json`). Cross-field rules (gradAccumulation
 * divides batchSize, classDropout needs nullClass, …) are checked by `cdm train` only.
 */
export function trainConfigJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(trainConfigSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'cdm train config',
    description: 'One stage training run for `cdm train <config>` (@cdm/cli). Generated from the CLI\'s zod schema by `npm run schema -w @cdm/cli`; do not edit.',
    ...rest,
  };
}

/** The file's exact text: two-space JSON and a final newline. */
export function trainConfigJsonSchemaText(): string {
  return `${JSON.stringify(trainConfigJsonSchema(), null, 2)}\n`;
}

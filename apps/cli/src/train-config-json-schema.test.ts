import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TRAIN_CONFIG_SCHEMA_FILE, trainConfigJsonSchema, trainConfigJsonSchemaText } from './train-config-json-schema';
import { trainConfigSchema } from './train-config';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const shipped = join(packageRoot, TRAIN_CONFIG_SCHEMA_FILE);

type JsonSchema = { properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; additionalProperties?: unknown; oneOf?: JsonSchema[]; anyOf?: JsonSchema[] };

describe('the train config JSON Schema', () => {
  it('the committed schema/train-config.schema.json is what the zod schema generates (else: npm run schema -w @cdm/cli)', () => {
    expect(existsSync(shipped), `${shipped} is missing: npm run schema -w @cdm/cli`).toBe(true);
    expect(readFileSync(shipped, 'utf8'), 'out of date: npm run schema -w @cdm/cli').toBe(trainConfigJsonSchemaText());
  });

  it('ships in the package (files) and describes the fields cdm train reads, closed to unknown keys', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain(dirname(TRAIN_CONFIG_SCHEMA_FILE));
    const schema = trainConfigJsonSchema() as JsonSchema & { $schema: string };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['runDir', 'stage', 'dataset', 'training']);
    expect(schema.additionalProperties).toBe(false);
    const training = schema.properties!['training']!;
    expect(training.properties!['lrSchedule']).toMatchObject({ enum: ['constant', 'cosine'] });
    expect(training.required).toEqual(['steps', 'batchSize', 'lr']);
    // A default is not required of the user (io: 'input'): stage.diffusion may be left out.
    expect(schema.properties!['stage']!.required).toEqual(['resolution', 'denoiser']);
  });

  it('the demo configs name it in $schema, and are valid configs', () => {
    for (const name of ['base.json', 'sr32.json']) {
      const path = join(packageRoot, 'demo', name);
      const config = JSON.parse(readFileSync(path, 'utf8')) as { $schema?: string };
      expect(config.$schema, name).toBe('../schema/train-config.schema.json');
      expect(resolve(dirname(path), config.$schema!)).toBe(shipped);
      expect(trainConfigSchema.safeParse(config).success, name).toBe(true);
    }
  });
});

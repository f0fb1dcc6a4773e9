import { readFile, stat } from 'node:fs/promises';
import { errors } from '@cdm/core';
import type { z } from 'zod';
import { cliErrors } from './errors';

/** Reads a JSON file named on the command line; a missing file is CDM_NOT_FOUND naming `what`. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw errors.notFound(path, `the file system (${what})`);
  if (!info.isFile()) throw errors.invalidArgument(what, 'a file', `the directory ${path}`);
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw cliErrors.notJson(path, (error as Error).message);
  }
}

/** Validates `value` with a zod schema; problems become one CDM_INVALID_ARGUMENT naming every field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, file: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw cliErrors.invalidConfig(file, result.error.issues);
  return result.data;
}

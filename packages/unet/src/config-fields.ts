import { errors } from '@cdm/core';

/** Field validators shared by the U-Net and classifier configs; every error names `config.<field>`. */

/** guided-diffusion's `create_model` / improved-diffusion's defaults by image size. */
export const DEFAULT_CHANNEL_MULT: Readonly<Record<number, readonly number[]>> = {
  32: [1, 2, 2, 2],
  64: [1, 2, 3, 4],
  128: [1, 1, 2, 3, 4],
  256: [1, 1, 2, 2, 4, 4],
  512: [0.5, 1, 1, 2, 2, 4, 4],
};

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function positiveInt(field: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw errors.invalidArgument(`config.${field}`, 'a positive integer', value);
  }
  return value as number;
}

export function bool(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw errors.invalidArgument(`config.${field}`, 'true or false', value);
  return value;
}

export function optionalPositiveInt(field: string, value: unknown): number | null {
  return value === undefined || value === null || value === -1 ? null : positiveInt(field, value);
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw errors.invalidArgument(`config.${field}`, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  }
  return value as T;
}

export function list(field: string, value: unknown, item: (f: string, v: unknown) => number): number[] {
  if (!Array.isArray(value)) throw errors.invalidArgument(`config.${field}`, 'an array of numbers', value);
  return value.map((v, i) => item(`${field}[${i}]`, v));
}

/** Refuses settings that are not in `known`, naming the first unknown one. */
export function checkKnownKeys(raw: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw errors.invalidArgument(`config.${key}`, `no such setting (known: ${known.join(', ')})`, raw[key]);
  }
}

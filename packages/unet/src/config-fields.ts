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

/** `dropout`: a probability in [0, 1), default 0. */
export function dropoutField(value: unknown): number {
  const dropout = value === undefined ? 0 : value;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) throw errors.invalidArgument('config.dropout', 'a probability in [0, 1)', dropout);
  return dropout;
}

/** `channelMult`: positive multipliers, one per level (default by image size), and the resolution of each level. */
export function channelMultField(value: unknown, imageSize: number): { channelMult: number[]; resolutions: number[] } {
  const defaultMult = DEFAULT_CHANNEL_MULT[imageSize];
  if (value === undefined && defaultMult === undefined) {
    throw errors.invalidArgument('config.channelMult', `a list of multipliers (no default for imageSize ${imageSize})`, undefined);
  }
  const channelMult = list('channelMult', value ?? defaultMult, (f, v) => {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw errors.invalidArgument(`config.${f}`, 'a positive number', v);
    return v;
  });
  if (channelMult.length === 0) throw errors.invalidArgument('config.channelMult', 'at least one level', channelMult);
  const levels = channelMult.length;
  if (imageSize % 2 ** (levels - 1) !== 0) {
    throw errors.invalidArgument('config.imageSize', `a multiple of 2^${levels - 1} for ${levels} levels (channelMult)`, imageSize);
  }
  return { channelMult, resolutions: channelMult.map((_, level) => imageSize / 2 ** level) };
}

/** `attentionResolutions`: each one of the network's level resolutions. */
export function attentionResolutionsField(value: unknown, resolutions: readonly number[]): number[] {
  return list('attentionResolutions', value ?? [], (f, v) => {
    if (!resolutions.includes(v as number)) throw errors.invalidArgument(`config.${f}`, `one of this network's resolutions (${resolutions.join(', ')})`, v);
    return v as number;
  });
}

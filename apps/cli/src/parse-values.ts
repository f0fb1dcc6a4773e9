import { MAX_SEED, errors, isSeed } from '@cdm/core';

/**
 * Parsers for flag values. Each names the flag in its error (`Invalid --n: expected a positive
 * integer, got "x"`), so a bad value is a CDM_INVALID_ARGUMENT (exit 2) that says which flag.
 */

export function parseInteger(flag: string, value: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    throw errors.invalidArgument(flag, min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer', value);
  }
  return n;
}

/** A seed: an integer in 0 … 2^53 − 1 (each its own stream); anything else is refused, never folded onto another seed. */
export function parseSeed(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !isSeed(n)) {
    throw errors.invalidArgument(flag, `an integer seed in 0…${MAX_SEED} (2^53 − 1)`, value);
  }
  return n;
}

export function parseNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw errors.invalidArgument(flag, 'a number', value);
  return n;
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw errors.invalidArgument(flag, `one of ${choices.join(', ')}`, value);
  return value as T;
}

/**
 * A per-stage list: `"50,25"` gives stage 0 the first value and stage 1 the second; a single value
 * applies to every stage; an empty entry (`",250"`) keeps that stage's default. Returns one entry
 * per stage (undefined = default).
 */
export function parsePerStage<T>(flag: string, value: string | undefined, stages: number, parse: (item: string, flag: string) => T): (T | undefined)[] {
  if (value === undefined) return Array.from({ length: stages }, () => undefined);
  const items = value.split(',').map((s) => s.trim());
  if (items.length !== 1 && items.length !== stages) {
    throw errors.invalidArgument(flag, `one value, or ${stages} comma-separated values (one per stage of this cascade)`, value);
  }
  const parsed = items.map((item, i) => (item === '' ? undefined : parse(item, items.length === 1 ? flag : `${flag} (stage ${i})`)));
  return items.length === 1 ? Array.from({ length: stages }, () => parsed[0]) : parsed;
}

/** A sampler step count (`50`: evenly spaced) or spacing string (`ddim50`, `trailing10`). */
export function parseSteps(item: string, flag: string): number | string {
  if (/^\d+$/.test(item)) return parseInteger(flag, item, 1);
  if (/^(ddim|trailing)\d+$/.test(item)) return item;
  throw errors.invalidArgument(flag, 'a step count (50), "ddimN" or "trailingN" spacing', item);
}

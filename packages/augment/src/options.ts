import { errors } from '@cdm/core';

/**
 * Option parsing shared by the policies. Options may come from a `cascade.json`, so every value is
 * checked at run time, unknown keys are refused (a misspelt option must not silently fall back to
 * its default), and each error names the policy and the option: `Invalid gaussian-blur option
 * sigma: expected …, got -1 [CDM_INVALID_ARGUMENT]`.
 */

/** The options as a record of known keys; `undefined` means "all defaults". */
export function readOptions(policy: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw errors.invalidArgument(`${policy} options`, `an object with some of: ${known.join(', ')}`, options);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw errors.invalidArgument(`${policy} option "${key}"`, `one of ${known.join(', ')}`, key);
  }
  return options as Record<string, unknown>;
}

const optionName = (policy: string, key: string) => `${policy} option ${key}`;

/** A finite number in [min, max]. */
export function numberOption(policy: string, key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw errors.invalidArgument(optionName(policy, key), `a finite number ${range}`, value);
  }
  return value;
}

/** An integer in [min, max]. */
export function integerOption(policy: string, key: string, value: unknown, min: number, max: number, what = 'an integer'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `in ${min}…${max}`;
    throw errors.invalidArgument(optionName(policy, key), `${what} ${range}`, value);
  }
  return value;
}

/** A number, or a `[min, max]` range with min ≤ max, every bound in [lower, upper]. */
export function rangeOption(policy: string, key: string, value: unknown, lower: number, upper: number): readonly [number, number] {
  const expected = `a number in [${lower}, ${upper === Infinity ? '∞' : upper}] or a range [min, max] of them with min ≤ max`;
  const inBounds = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= lower && v <= upper;
  if (inBounds(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && inBounds(value[0]) && inBounds(value[1]) && value[0] <= value[1]) {
    return [value[0], value[1]];
  }
  throw errors.invalidArgument(optionName(policy, key), expected, value);
}

/** One of a list of string literals. */
export function choiceOption<T extends string>(policy: string, key: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw errors.invalidArgument(optionName(policy, key), `one of ${choices.map((c) => `"${c}"`).join(', ')}`, value);
  }
  return value as T;
}

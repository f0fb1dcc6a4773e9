import type { TimestepSpacing } from '@cdm/core';

/** A control's value that does not parse, with the control's label in the message. */
export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly label: string,
    expected: string,
    got: string,
  ) {
    super(`${label}: expected ${expected}, got ${JSON.stringify(got)}`);
  }
}

/** An integer within [min, max]. */
export function parseInteger(label: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(label, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`, text);
  }
  return value;
}

/** A finite number ≥ min. */
export function parseNumber(label: string, text: string, min = -Infinity): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value) || value < min) throw new InputError(label, min === -Infinity ? 'a number' : `a number ≥ ${min}`, text);
  return value;
}

/** Sampling steps as the CLI takes them: a count ("25", evenly spaced) or DDIM striding ("ddim25"). */
export function parseSteps(label: string, text: string): number | string {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return parseInteger(label, trimmed, 1);
  if (/^ddim\d+$/.test(trimmed)) return trimmed;
  throw new InputError(label, 'a step count (25) or "ddimN" spacing (ddim25)', text);
}

/** How a stage's default steps appear in its text box. */
export function formatSteps(steps: TimestepSpacing | undefined): string {
  if (steps === undefined) return '';
  return Array.isArray(steps) ? steps.join(',') : String(steps);
}

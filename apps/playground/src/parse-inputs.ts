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

/** True when some integer stride k in 1…T−1 gives exactly `wanted` steps 0, k, 2k, … < T (what "ddimN" asks for). */
export function ddimStrideExists(numTimesteps: number, wanted: number): boolean {
  for (let k = 1; k < numTimesteps; k++) if (Math.ceil(numTimesteps / k) === wanted) return true;
  return false;
}

/**
 * Sampling steps as the CLI takes them: a count ("25", evenly spaced, at most T), DDIM striding
 * ("ddim25", a count some integer stride of T gives) or trailing steps ("trailing15", at most T).
 * `numTimesteps` is the stage's T.
 */
export function parseSteps(label: string, text: string, numTimesteps = Number.MAX_SAFE_INTEGER): number | string {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return parseInteger(label, trimmed, 1, numTimesteps);
  const ddim = /^ddim(\d+)$/.exec(trimmed);
  if (ddim !== null) {
    if (numTimesteps !== Number.MAX_SAFE_INTEGER && !ddimStrideExists(numTimesteps, Number(ddim[1]))) {
      throw new InputError(label, `"ddimN" with a count that an integer stride of the stage's ${numTimesteps} timesteps gives (e.g. ddim25, ddim50), or a plain count from 1 to ${numTimesteps}`, text);
    }
    return trimmed;
  }
  const trailing = /^trailing(\d+)$/.exec(trimmed);
  if (trailing !== null) {
    const count = Number(trailing[1]);
    if (count < 1 || count > numTimesteps) {
      throw new InputError(label, `"trailingN" with N from 1 to ${numTimesteps === Number.MAX_SAFE_INTEGER ? "the stage's timesteps" : numTimesteps}`, text);
    }
    return trimmed;
  }
  throw new InputError(label, 'a step count (25), "ddimN" spacing (ddim25) or "trailingN" spacing (trailing15)', text);
}

/** How a stage's default steps appear in its text box. */
export function formatSteps(steps: TimestepSpacing | undefined): string {
  if (steps === undefined) return '';
  return Array.isArray(steps) ? steps.join(',') : String(steps);
}

import { describe, expect, it } from 'vitest';
import { InputError, formatSteps, parseInteger, parseNumber, parseSteps } from './parse-inputs';

describe('parse-inputs', () => {
  it('parses integers within bounds and names the control otherwise', () => {
    expect(parseInteger('Seed', ' 42 ', 0)).toBe(42);
    expect(() => parseInteger('Images', '0', 1, 16)).toThrow('Images: expected an integer from 1 to 16, got "0"');
    expect(() => parseInteger('Seed', '1.5', 0)).toThrow(InputError);
    expect(() => parseInteger('Seed', '', 0)).toThrow(/an integer ≥ 0/);
  });

  it('parses numbers', () => {
    expect(parseNumber('η', '0.5', 0)).toBe(0.5);
    expect(() => parseNumber('η', '-1', 0)).toThrow('η: expected a number ≥ 0, got "-1"');
    expect(() => parseNumber('w', 'abc')).toThrow(/a number/);
  });

  it('parses steps as a count, ddimN or trailingN, as the CLI does', () => {
    expect(parseSteps('steps', '3')).toBe(3);
    expect(parseSteps('steps', 'ddim25')).toBe('ddim25');
    expect(parseSteps('steps', 'trailing10')).toBe('trailing10');
    expect(() => parseSteps('base steps', 'fast')).toThrow('base steps: expected a step count (25), "ddimN" spacing (ddim25) or "trailingN" spacing (trailing15), got "fast"');
    expect(() => parseSteps('steps', '0')).toThrow(/integer ≥ 1/);
  });

  it("refuses steps the stage's T cannot give, naming the field", () => {
    expect(() => parseSteps('base steps', '5000', 1000)).toThrow('base steps: expected an integer from 1 to 1000, got "5000"');
    expect(parseSteps('base steps', 'ddim25', 1000)).toBe('ddim25');
    expect(() => parseSteps('sr32 steps', 'ddim1', 1000)).toThrow(/^sr32 steps: expected "ddimN" with a count that an integer stride/);
    expect(() => parseSteps('sr32 steps', 'ddim5000', 1000)).toThrow(/sr32 steps/);
    expect(parseSteps('base steps', ' trailing15 ', 1000)).toBe('trailing15');
    expect(() => parseSteps('base steps', 'trailing1001', 1000)).toThrow('base steps: expected "trailingN" with N from 1 to 1000, got "trailing1001"');
    expect(() => parseSteps('base steps', 'trailing0')).toThrow(/"trailingN" with N from 1/);
  });

  it('formats default steps back into the text box', () => {
    expect([formatSteps('ddim50'), formatSteps(20), formatSteps([0, 10]), formatSteps(undefined)]).toEqual(['ddim50', '20', '0,10', '']);
  });
});

import { describe, expect, it } from 'vitest';
import { alphaBarAtLevel } from './levels';
import { linearSchedule } from './linear';

describe('alphaBarAtLevel', () => {
  const schedule = linearSchedule.create(1000);
  it('is 1 at level 0 and ᾱ of index s − 1 at level s', () => {
    expect(alphaBarAtLevel(schedule, 0)).toBe(1);
    expect(alphaBarAtLevel(schedule, 1)).toBe(1 - 1e-4);
    expect(alphaBarAtLevel(schedule, 1000)).toBe(schedule.alphasCumprod[999]);
  });
  it('rejects levels outside 0…T', () => {
    expect(() => alphaBarAtLevel(schedule, 1001)).toThrow(/level: expected an integer in 0…1000/);
    expect(() => alphaBarAtLevel(schedule, 0.5)).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
  });
});

import { errors } from '../errors';
import type { NoiseSchedule } from './noise-schedule';

/**
 * ᾱ at noise level s of a schedule, where level s is the state x_s of the forward process:
 * level 0 is clean data (ᾱ = 1) and level s ≥ 1 has ᾱ = alphasCumprod[s − 1]. Truncated sampling
 * (`sample({ truncateAt: s })`) and conditioning augmentation at level s use this one convention,
 * so a stage stopped at s hands over exactly the z_s that q(z_s | z_0) would produce.
 */
export function alphaBarAtLevel(schedule: NoiseSchedule, level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > schedule.numTimesteps) {
    throw errors.invalidArgument('level', `an integer in 0…${schedule.numTimesteps}`, level);
  }
  return level === 0 ? 1 : schedule.alphasCumprod[level - 1]!;
}

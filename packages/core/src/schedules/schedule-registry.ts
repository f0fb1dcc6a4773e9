import { createRegistry, type Registry } from '../registry';
import { cosineSchedule } from './cosine';
import { linearSchedule } from './linear';
import type { NoiseSchedule, NoiseScheduleFactory } from './noise-schedule';

/** A registry of schedule factories holding the built-ins (`linear`, `cosine`). */
export function createScheduleRegistry(): Registry<NoiseScheduleFactory> {
  return createRegistry<NoiseScheduleFactory>({ kind: 'noise schedule' }).use(linearSchedule, cosineSchedule);
}

/** The default schedule registry; add your own with `noiseSchedules.use({ name, create })`. */
export const noiseSchedules = createScheduleRegistry();

/** Builds a schedule by registered name, e.g. `createNoiseSchedule('cosine', 4000)`. */
export function createNoiseSchedule(
  name: string,
  numTimesteps: number,
  registry: Registry<NoiseScheduleFactory> = noiseSchedules,
): NoiseSchedule {
  return registry.get(name).create(numTimesteps);
}

export type { NoiseSchedule, NoiseScheduleFactory } from './noise-schedule';
export { scheduleFromBetas } from './noise-schedule';
export { linearSchedule } from './linear';
export { cosineSchedule } from './cosine';
export { createNoiseSchedule, createScheduleRegistry, noiseSchedules } from './schedule-registry';
export { computeCoefficients, type DiffusionCoefficients } from './coefficients';
export { respaceSchedule, spacedTimesteps, type TimestepSpacing } from './respace';
export { alphaBarAtLevel } from './levels';

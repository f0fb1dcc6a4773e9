import { errors } from '../errors';
import { checkNumTimesteps, scheduleFromBetas, type NoiseScheduleFactory } from './noise-schedule';

/**
 * The DDPM linear schedule (Ho et al. 2020): β from 1e-4 to 0.02 over 1000 steps, with both ends
 * scaled by 1000/T so that any T gives roughly the same total noise (Nichol & Dhariwal 2021).
 */
export const linearSchedule: NoiseScheduleFactory = {
  name: 'linear',
  create(numTimesteps) {
    checkNumTimesteps(numTimesteps);
    if (numTimesteps <= 20) {
      throw errors.invalidArgument('numTimesteps', 'more than 20 for the linear schedule (β_T = 20/T must stay below 1)', numTimesteps);
    }
    const scale = 1000 / numTimesteps;
    const start = scale * 0.0001;
    const end = scale * 0.02;
    // Evaluated as numpy.linspace does (i·step + start, last point exactly `end`), so the betas
    // match the reference implementations bit for bit.
    const step = numTimesteps === 1 ? 0 : (end - start) / (numTimesteps - 1);
    const betas = Float64Array.from({ length: numTimesteps }, (_, i) => i * step + start);
    if (numTimesteps > 1) betas[numTimesteps - 1] = end;
    return scheduleFromBetas('linear', betas);
  },
};

import { checkNumTimesteps, scheduleFromBetas, type NoiseScheduleFactory } from './noise-schedule';

/** Offset s of the cosine schedule, which keeps β_1 from being vanishingly small. */
const OFFSET = 0.008;
/** Largest β allowed: stops the singularity at t = T (Nichol & Dhariwal 2021, §3.2). */
const MAX_BETA = 0.999;

/** f(t) = cos²(((t/T) + s)/(1 + s) · π/2); ᾱ_t = f(t)/f(0). */
const f = (fraction: number) => Math.cos(((fraction + OFFSET) / (1 + OFFSET)) * (Math.PI / 2)) ** 2;

/** The cosine schedule of improved DDPM: β_t = min(1 − ᾱ_t/ᾱ_{t−1}, 0.999). */
export const cosineSchedule: NoiseScheduleFactory = {
  name: 'cosine',
  create(numTimesteps) {
    checkNumTimesteps(numTimesteps);
    const betas = new Float64Array(numTimesteps);
    for (let i = 0; i < numTimesteps; i++) {
      betas[i] = Math.min(1 - f((i + 1) / numTimesteps) / f(i / numTimesteps), MAX_BETA);
    }
    return scheduleFromBetas('cosine', betas);
  },
};

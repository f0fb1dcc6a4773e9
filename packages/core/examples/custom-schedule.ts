import { GaussianDiffusion, createNoiseSchedule, createScheduleRegistry, scheduleFromBetas, type NoiseScheduleFactory } from '@cdm/core';

/**
 * The "sqrt" schedule of Diffusion-LM (Li et al. 2022): ᾱ(τ) = 1 − √(τ + 0.0001) for τ = t/T,
 * turned into betas β_i = 1 − ᾱ((i+1)/T) / ᾱ(i/T), capped at 0.999 like the cosine schedule.
 */
export const sqrtSchedule: NoiseScheduleFactory = {
  name: 'sqrt',
  create(numTimesteps) {
    const alphaBar = (tau: number) => 1 - Math.sqrt(tau + 0.0001);
    const betas = Float64Array.from({ length: numTimesteps }, (_, i) =>
      Math.min(1 - alphaBar((i + 1) / numTimesteps) / alphaBar(i / numTimesteps), 0.999),
    );
    return scheduleFromBetas('sqrt', betas);
  },
};

export async function main() {
  // A registry that holds the built-ins plus ours; a config can now name "sqrt".
  const registry = createScheduleRegistry().use(sqrtSchedule);
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('sqrt', 1000, registry) });
  const { alphasCumprod } = diffusion.schedule;
  const probes = [0, 249, 499, 749, 999].map((i) => ({ t: i + 1, alphaBar: alphasCumprod[i]! }));
  console.log(`schedules: ${registry.list().join(', ')}`);
  for (const { t, alphaBar } of probes) console.log(`ᾱ_${t} = ${alphaBar.toExponential(4)}`);
  return { names: registry.list(), probes };
}

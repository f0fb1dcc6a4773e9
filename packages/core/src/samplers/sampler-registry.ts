import { createRegistry, type Registry } from '../registry';
import { ddimSampler } from './ddim';
import { ddpmSampler } from './ddpm';
import { dpmSolverPlusPlusSampler, sdeDpmSolverPlusPlusSampler } from './dpm-solver-plus-plus';
import type { SamplerFactory } from './sampler';

/** A registry of sampler factories holding the built-ins (`ddpm`, `ddim`, `dpm++2m`, `dpm++2m-sde`). */
export function createSamplerRegistry(): Registry<SamplerFactory> {
  return createRegistry<SamplerFactory>({ kind: 'sampler' }).use(ddpmSampler, ddimSampler, dpmSolverPlusPlusSampler, sdeDpmSolverPlusPlusSampler);
}

/** The default sampler registry; add your own with `samplers.use({ name, create })`. */
export const samplers = createSamplerRegistry();

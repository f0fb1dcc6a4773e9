import { checkNumTimesteps } from '../schedules/noise-schedule';
import { checkBatchSize, checkStateHeader, type TimestepSampler, type TimestepSamplerState } from './timestep-sampler';

/** The name a uniform sampler reports and saves. */
export const UNIFORM_TIMESTEPS = 'uniform';

/** t uniform on 0…T−1 (Ho et al. 2020, Algorithm 1); every weight is 1. Stateless. */
export function uniformTimesteps(numTimesteps: number): TimestepSampler {
  checkNumTimesteps(numTimesteps);
  return {
    name: UNIFORM_TIMESTEPS,
    numTimesteps,
    sample(batchSize, rng) {
      checkBatchSize(batchSize);
      const timesteps = new Int32Array(batchSize);
      for (let i = 0; i < batchSize; i++) timesteps[i] = rng.int(numTimesteps);
      return { timesteps, weights: new Float32Array(batchSize).fill(1) };
    },
    state(): TimestepSamplerState {
      return { name: UNIFORM_TIMESTEPS, numTimesteps };
    },
    loadState(state) {
      checkStateHeader(state, UNIFORM_TIMESTEPS, numTimesteps);
    },
  };
}

export type { JsonValue, TimestepSampler, TimestepSamplerState } from './timestep-sampler';
export { UNIFORM_TIMESTEPS, uniformTimesteps } from './uniform';
export {
  LOSS_SECOND_MOMENT_TIMESTEPS,
  lossSecondMomentTimesteps,
  type LossSecondMomentOptions,
  type LossSecondMomentState,
  type LossSecondMomentTimestepSampler,
} from './loss-second-moment';

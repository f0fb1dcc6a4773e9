export { normalKl } from './normal-kl';
export { discretizedGaussianLogLikelihood } from './discretized-gaussian-log-likelihood';
export { meanFlat } from './mean-flat';
export type { TensorOrNumber } from './broadcast';

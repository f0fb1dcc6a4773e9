export { normalKl } from './normal-kl';
export {
  DECODER_CDFS,
  discretizedGaussianLogLikelihood,
  type DecoderCdf,
  type DiscretizedGaussianOptions,
} from './discretized-gaussian-log-likelihood';
export { logNormalCdf, logNormalCdfLower } from './log-normal-cdf';
export { meanFlat } from './mean-flat';
export type { TensorOrNumber } from './broadcast';

export { createDenoiserRegistry, denoisers } from './denoiser-registry';

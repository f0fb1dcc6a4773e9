/** @cdm/backend-web/testing: what browser tests and benchmarks need to run headless Chromium here (Node only). */
export { CHROMIUM_ARGS, CHROMIUM_MISSING, CHROMIUM_PATH, hasChromium } from './headless-chromium';

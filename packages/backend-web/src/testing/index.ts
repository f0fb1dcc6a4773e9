/**
 * @cdm/backend-web/testing: launch settings for running browser tests and benchmarks in headless
 * Chromium without a GPU (WebGPU and WebGL on SwiftShader). Plain data and a pure function: no
 * file-system access and no built-in browser path.
 */
export { CHROMIUM_ARGS, chromiumLaunchOptions, type ChromiumLaunchOptions } from './chromium-flags';

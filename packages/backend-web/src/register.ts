/**
 * Opt-in side-effect entry: `import '@cdm/backend-web/register'` registers this package's backends
 * (webgpu, webgl, wasm) in @cdm/core's default `backends` registry. It also exports the plugin's
 * `register(registries)`. Prefer calling `registerWebBackends()` explicitly.
 */
import { registerWebBackends } from './backends/register-web-backends';

export { register } from './plugin';

registerWebBackends();

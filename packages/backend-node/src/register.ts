/**
 * Opt-in side-effect entry: `import '@cdm/backend-node/register'` registers this package's
 * backends (tensorflow-cuda, webgpu, tensorflow, wasm, cpu) in @cdm/core's default `backends` registry.
 */
import { registerNodeBackends } from './backends/register-node-backends';

registerNodeBackends();

/**
 * @cdm/backend-web: cdm in the browser — WebGPU, WebGL and WASM backends, storage over fetch (with
 * progress and the Cache API) and over user-chosen files, and an image codec on the canvas.
 */
export { webgpuBackend, type WebGpuBackendOptions } from './backends/webgpu-backend';
export { probeWebGpu, webgpuAdapterInfo, type GpuLike, type WebGpuAdapterInfo, type WebGpuProbe, type WebGpuProbeOptions } from './backends/probe-webgpu';
export { webglBackend } from './backends/webgl-backend';
export { probeWebGl, type WebGlProbe, type WebGlScope } from './backends/probe-webgl';
export { wasmBackend, WASM_BINARIES, type WasmBackendOptions, type WasmBinary } from './backends/wasm-backend';
export { registerWebBackends, webBackends, type WebBackendsOptions } from './backends/register-web-backends';
export { register } from './plugin';
export { fetchStorage, DEFAULT_MODEL_CACHE, type FetchStorage, type FetchStorageOptions } from './storage/fetch-storage';
export { fileStorage, commonRootFolder, type ChosenFiles, type FileStorage } from './storage/file-storage';
export { canvasCodec } from './image/canvas-codec';
export { rawImageToImageData, rawImageToRgba, rgbaToRawImage, checkRawImage } from './image/raw-image-to-image-data';

/**
 * @cdm/backend-node: cdm on Node — TensorFlow (CUDA / CPU) when installed, tfjs-wasm with training
 * kernels, tfjs-cpu as the last resort; file storage with atomic writes, PNG/JPEG codec, image
 * grids and dataset readers.
 */
export { cpuBackend, type CpuBackendOptions } from './backends/cpu-backend';
export { nodeBackends, registerNodeBackends, type NodeBackendsOptions } from './backends/register-node-backends';
export { tensorflowBackend, type TensorflowBackendOptions } from './backends/tensorflow-backend';
export { tensorflowCudaBackend, type TensorflowCudaBackendOptions } from './backends/tensorflow-cuda-backend';
export { wasmBackend, type WasmBackendOptions } from './backends/wasm-backend';
export { webgpuBackend, type WebgpuBackendOptions } from './backends/webgpu-backend';
export { installDawnGpu, probeDawnGpu, type DawnProbe } from './backends/dawn-gpu';
export { describeAdapter, webgpuAdapterInfo, type WebGpuAdapterInfo } from './backends/webgpu-adapter';
export { NO_VULKAN_DRIVER, SWIFTSHADER_ICD, vulkanDriverCandidates, type VulkanDriverCandidate, type VulkanDriverSearch } from './backends/vulkan-driver';
export { loadVulkanLoader } from './backends/vulkan-loader';
export { enableWasmThreads, MAX_WASM_THREADS, resolveWasmThreads, wasmThreadsCount, type WasmThreadsOptions, type WasmThreadsStatus } from './backends/wasm-threads';
export { ensureGradients, missingGradients } from './gradients/ensure-gradients';
export { registerCpuKernelFixes, resizeNearestNeighborGrad } from './kernels/cpu/resize-nearest-neighbor-grad';
export { batchMatMul } from './kernels/wasm/batch-mat-mul';
export { conv2dBackpropFilter } from './kernels/wasm/conv2d-backprop-filter';
export { conv2dBackpropInput } from './kernels/wasm/conv2d-backprop-input';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './kernels/wasm/register-wasm-training-kernels';
export { nativeBatchMatMul } from './kernels/native/batch-mat-mul';
export { nativeConv2d } from './kernels/native/conv2d';
export { nativeConv2dBackpropFilter } from './kernels/native/conv2d-backprop-filter';
export { nativeConv2dBackpropInput } from './kernels/native/conv2d-backprop-input';
export { NATIVE_KERNELS, nativeKernelThreads, registerNativeKernels, unregisterNativeKernels } from './kernels/native/register-native-kernels';
export { loadNativeAddon, NATIVE_BUILD_HINT, type NativeAddon, type NativeAddonStatus } from './native/native-addon';
export { MAX_NATIVE_THREADS, resolveNativeThreads } from './native/native-threads';
export { unsortedSegmentSum } from './kernels/wasm/unsorted-segment-sum';
export { installWasmMemoryGuard, wasmHeapBytes, wasmOutOfMemoryError } from './memory/wasm-memory-guard';
export { fsStorage } from './storage/fs-storage';
export { fileSystemError, withFileSystemErrors } from './storage/fs-errors';
export { removeStaleTemporaryFiles, TEMPORARY_FILE_GRACE_MS, TEMPORARY_FILE_PATTERN, type RemoveStaleTemporaryFilesOptions } from './storage/stale-temporary-files';
export { acquireRunLock, RUN_LOCK_FILE, type AcquireRunLockOptions, type RunLock, type RunLockHolder } from './storage/run-lock';
export { pngCodec } from './image/png-codec';
export { imageGrid, tensorToImages, writeImageGrid, type ImageGridOptions } from './image/image-grid';
export { imageFolderDataset, type ImageFolderDataset, type ImageFolderDatasetOptions } from './datasets/image-folder-dataset';
export { cifar10Dataset, CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, type Cifar10DatasetOptions } from './datasets/cifar10-dataset';
export { fitImage, fitImageBytes, flipHorizontal } from './datasets/fit-image';
export { scanImageFolder, type ImageFolderScan, type ScannedImage } from './datasets/scan-image-folder';
export {
  defaultDatasetCacheDir,
  prepareImageFolder,
  preparedDatasetKey,
  preparedDatasetPath,
  type PrepareImageFolderOptions,
  type PreparedImageFolder,
} from './datasets/prepare-image-folder';
export { createImageDecoder, jsImageDecoder, loadSharp, sharpImageDecoder, type ImageDecoder, type ImageDecoderChoice } from './image/image-decoder';
export { applyOrientation, jpegExifOrientation } from './image/exif-orientation';
export type { OnUnreadable, UnreadableOptions } from './datasets/unreadable';

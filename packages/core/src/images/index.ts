export { resamplingMatrix, resizeImages, type ResizeMethod } from './resize-images';
export { downsampleArea } from './downsample-area';

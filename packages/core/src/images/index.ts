export { resamplingMatrix, resizeImages, type ResizeMethod } from './resize-images';
export { downsampleArea } from './downsample-area';
export { tensorToRawImages } from './tensor-to-raw-images';

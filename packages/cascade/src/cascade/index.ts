export { createCascade, type Cascade, type CascadeHandover, type CascadeProgress, type CascadeSampleOptions, type CascadeSampleResult } from './cascade';
export { imageRng, stageBatchRng } from './image-streams';

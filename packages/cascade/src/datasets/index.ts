export { proceduralDataset, type ProceduralDataset, type ProceduralDatasetOptions } from './procedural-dataset';
export { drawScene, type ProceduralScene } from './procedural-scene';
export { PROCEDURAL_CLASSES, insideShape, type ProceduralClass } from './procedural-shapes';
export { renderScene } from './render-scene';
export { mixSeeds } from './mix-seeds';
export { openPreparedDataset, type PreparedDataset, type PreparedDatasetOptions } from './prepared-dataset';

export { CASCADE_MANIFEST_FORMAT, CASCADE_MANIFEST_VERSION, parseCascadeManifest, type CascadeManifest, type DiffusionManifest, type StageManifest } from './cascade-manifest';
export { loadCascade, type LoadCascadeOptions, type LoadedCascade } from './load-cascade';
export { writeCascadeManifest } from './write-cascade-manifest';

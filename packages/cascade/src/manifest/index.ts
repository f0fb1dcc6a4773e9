export { CASCADE_MANIFEST_FORMAT, CASCADE_MANIFEST_VERSION, parseCascadeManifest, type CascadeManifest, type DiffusionManifest, type StageManifest } from './cascade-manifest';

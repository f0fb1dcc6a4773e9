export { epochOrder, exampleStream, mixSeed, type ExampleStreamSource, type LoadedExample } from './example-stream';
export { createPreparedDatasetWriter, type PreparedDatasetWriter, type PreparedDatasetWriterOptions } from './prepared-dataset-writer';
export {
  PREPARED_DATASET_FORMAT,
  PREPARED_DATASET_MANIFEST,
  PREPARED_DATASET_VERSION,
  PREPARED_RESIZE_METHOD,
  checkPreparedManifest,
  preparedRecordBytes,
  type PreparedDatasetManifest,
  type PreparedSkippedFile,
  type PreparedSource,
} from './prepared-dataset-format';

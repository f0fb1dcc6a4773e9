/** @cdm/cli: the `cdm` command's programmatic entry (re-exports only). */
export { runCli } from './run-cli';
export { memoryIo, processIo, type CliIo, type CliOutput } from './io';
export { EXIT_CODES, EXIT_CODE_OF, type ExitCode } from './exit-codes';
export { trainConfigJsonSchema, trainConfigJsonSchemaText, TRAIN_CONFIG_SCHEMA_FILE } from './train-config-json-schema';
export { trainConfigSchema, stageSchema, datasetSchema, trainingSchema, type TrainConfig, type StageConfig, type DatasetConfig } from './train-config';
export { STAGE_FILE, STAGE_FILE_FORMAT, assembleManifest, readStageFile, writeStageFile, type StageFile } from './stage-file';
export { demoCascadePath } from './demo';
export { pluginImporter } from './plugins';
export { encodeHandover, decodeHandover, type Handover, type HandoverProvenance } from './handover-file';

import { readSafetensors, writeSafetensors, type Storage } from '@cdm/core';
import type { LoadUnetOptions, SaveUnetOptions } from './checkpoint';
import { CONFIG_FILE, EMA_FILE, MODEL_FILE, checkpointPath, readCheckpointConfig } from './checkpoint-files';
import { resolveClassifierConfig, type ResolvedClassifierConfig } from './classifier-config';
import { createAdmClassifier, type AdmClassifier } from './encoder-unet';
import { assignParameters, exportStateDict, importStateDict } from './state-dict';

/** The model name a classifier checkpoint's config.json records. */
export const CLASSIFIER_MODEL_NAME = 'adm-classifier';

/** What a classifier's config.json holds. */
export interface ClassifierCheckpointConfig {
  readonly classifier: typeof CLASSIFIER_MODEL_NAME;
  readonly config: ResolvedClassifierConfig;
}

export type SaveClassifierOptions = SaveUnetOptions;
export type LoadClassifierOptions = LoadUnetOptions;


/**
 * Writes config.json and model.safetensors (and ema.safetensors) under `dir`, like `saveUnet`:
 * float32 tensors in PyTorch's layout under `EncoderUNetModel`'s state-dict names, so the file
 * loads into guided-diffusion's classifier built with the same settings.
 */
export async function saveClassifier(storage: Storage, dir: string, model: AdmClassifier, options: SaveClassifierOptions = {}): Promise<void> {
  const metadata = { format: 'pt', classifier: CLASSIFIER_MODEL_NAME, ...options.metadata };
  const specs = model.architecture.parameters;
  const weights = writeSafetensors(await exportStateDict(specs, model.parameters()), metadata);
  const ema = options.ema === undefined ? undefined : writeSafetensors(await exportStateDict(specs, options.ema), metadata);
  const config: ClassifierCheckpointConfig = { classifier: CLASSIFIER_MODEL_NAME, config: model.config };
  await storage.write(checkpointPath(dir, MODEL_FILE), weights);
  if (ema !== undefined) await storage.write(checkpointPath(dir, EMA_FILE), ema);
  await storage.write(checkpointPath(dir, CONFIG_FILE), new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`)); // last: marks the directory complete
}

/** Reads and validates a classifier's `dir/config.json`. */
export async function readClassifierConfig(storage: Storage, dir: string, signal?: AbortSignal): Promise<ResolvedClassifierConfig> {
  return resolveClassifierConfig(await readCheckpointConfig(storage, dir, 'classifier', CLASSIFIER_MODEL_NAME, signal));
}

/**
 * Builds the classifier that `dir/config.json` describes and loads its weights (or the EMA ones),
 * with the same checks as `loadUnet`: CDM_SAFETENSORS_CORRUPT for a damaged file,
 * CDM_CHECKPOINT_MISMATCH listing every missing, unexpected or misshapen tensor.
 */
export async function loadClassifier(storage: Storage, dir: string, options: LoadClassifierOptions = {}): Promise<AdmClassifier> {
  const config = await readClassifierConfig(storage, dir, options.signal);
  const file = checkpointPath(dir, (options.weights ?? 'model') === 'ema' ? EMA_FILE : MODEL_FILE);
  const { tensors } = readSafetensors(await storage.read(file, options.signal === undefined ? {} : { signal: options.signal }));
  const model = createAdmClassifier(config, { initialize: 'zeros' });
  try {
    assignParameters(model.parameters(), importStateDict(model.architecture.parameters, tensors, file));
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

import type * as tf from '@tensorflow/tfjs-core';
import { openSafetensors, readSafetensors, writeSafetensors, type Storage } from '@cdm/core';
import { CONFIG_FILE, EMA_FILE, MODEL_FILE, checkpointPath, readCheckpointConfig } from './checkpoint-files';
import { resolveUnetConfig, type ResolvedUnetConfig } from './config';
import { assignParameters, exportStateDict, importStateDict, loadStateDict } from './state-dict';
import { createAdmUnet, type AdmUnet } from './unet';

/** The factory name a checkpoint's config.json records. */
export const UNET_DENOISER_NAME = 'adm-unet';
export { CONFIG_FILE, EMA_FILE, MODEL_FILE } from './checkpoint-files';

/** What config.json holds. */
export interface UnetCheckpointConfig {
  readonly denoiser: typeof UNET_DENOISER_NAME;
  readonly config: ResolvedUnetConfig;
}

export interface SaveUnetOptions {
  /** EMA weights keyed by parameter name, in tfjs layout (like `parameters()`); saved as ema.safetensors. */
  readonly ema?: ReadonlyMap<string, tf.Tensor>;
  /** Extra `__metadata__` strings for the safetensors files. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface LoadUnetOptions {
  /** Which tensor set to load into the network: model.safetensors (default) or ema.safetensors. */
  readonly weights?: 'model' | 'ema';
  readonly signal?: AbortSignal;
}


/**
 * Writes config.json and model.safetensors (and ema.safetensors) under `dir`. Tensors are stored
 * float32 in PyTorch's layout under guided-diffusion's state-dict names, so the file loads with
 * `model.load_state_dict(safetensors.torch.load_file(...))` into the reference network built with
 * the same settings (the CDM additions, `aug_embed.*` and the null-class row, need the same
 * additions there).
 */
export async function saveUnet(storage: Storage, dir: string, model: AdmUnet, options: SaveUnetOptions = {}): Promise<void> {
  const metadata = { format: 'pt', denoiser: UNET_DENOISER_NAME, ...options.metadata };
  const specs = model.architecture.parameters;
  const weights = writeSafetensors(await exportStateDict(specs, model.parameters()), metadata);
  const ema = options.ema === undefined ? undefined : writeSafetensors(await exportStateDict(specs, options.ema), metadata);
  const config: UnetCheckpointConfig = { denoiser: UNET_DENOISER_NAME, config: model.config };
  // Weights first, config last: a directory with a config.json is complete.
  await storage.write(checkpointPath(dir, MODEL_FILE), weights);
  if (ema !== undefined) await storage.write(checkpointPath(dir, EMA_FILE), ema);
  await storage.write(checkpointPath(dir, CONFIG_FILE), new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));
}

/** Reads and validates `dir/config.json`. */
export async function readUnetConfig(storage: Storage, dir: string, signal?: AbortSignal): Promise<ResolvedUnetConfig> {
  return resolveUnetConfig(await readCheckpointConfig(storage, dir, 'denoiser', UNET_DENOISER_NAME, signal));
}

/**
 * Builds the network that `dir/config.json` describes and loads its weights. A truncated or corrupt
 * file fails with CDM_SAFETENSORS_CORRUPT; tensors that do not fit the config fail with
 * CDM_CHECKPOINT_MISMATCH listing every missing, unexpected or misshapen tensor by name.
 */
export async function loadUnet(storage: Storage, dir: string, options: LoadUnetOptions = {}): Promise<AdmUnet> {
  const config = await readUnetConfig(storage, dir, options.signal);
  const file = checkpointPath(dir, (options.weights ?? 'model') === 'ema' ? EMA_FILE : MODEL_FILE);
  // By ranges where the storage can: the header is checked against the network before any tensor is read.
  const weights = await openSafetensors(storage, file, options.signal === undefined ? {} : { signal: options.signal });
  const model = createAdmUnet(config, { initialize: 'zeros' });
  try {
    await loadStateDict(model.architecture.parameters, model.parameters(), weights, file);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Loads a safetensors file's weights into an existing network (e.g. EMA weights, or a converted .pt). */
export function loadUnetWeights(model: AdmUnet, bytes: Uint8Array, source = 'safetensors data'): void {
  const { tensors } = readSafetensors(bytes);
  assignParameters(model.parameters(), importStateDict(model.architecture.parameters, tensors, source));
}

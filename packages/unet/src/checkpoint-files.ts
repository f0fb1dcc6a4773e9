import { errors, joinPath, type Storage } from '@cdm/core';

/** The files of a checkpoint directory (U-Net or classifier). */
export const CONFIG_FILE = 'config.json';
export const MODEL_FILE = 'model.safetensors';
export const EMA_FILE = 'ema.safetensors';

/** `dir/file` for a directory path or URL (`''` is the storage's root). */
export const checkpointPath = (dir: string, file: string) => (dir === '' ? file : joinPath(dir, file));

/**
 * Reads `dir/config.json`, checks that its `kindField` names `kind` (e.g. `"denoiser": "adm-unet"`),
 * and returns its unvalidated `config` for the caller's resolver.
 */
export async function readCheckpointConfig(storage: Storage, dir: string, kindField: string, kind: string, signal?: AbortSignal): Promise<unknown> {
  const path = checkpointPath(dir, CONFIG_FILE);
  const bytes = await storage.read(path, signal === undefined ? {} : { signal });
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw errors.invalidArgument(path, 'a JSON file', cause instanceof Error ? cause.message : String(cause));
  }
  const record = parsed as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || record[kindField] !== kind) {
    throw errors.invalidArgument(`${path} "${kindField}"`, `"${kind}"`, record?.[kindField]);
  }
  return record.config;
}

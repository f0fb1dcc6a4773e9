import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { errors, readSafetensors, type Denoiser, type Registries } from '@cdm/core';
import { readInitWeights, readVariables, type InitWeights, type SavedTensor } from '@cdm/cascade';
import { importStateDict, UNET_DENOISER_NAME, type AdmUnet } from '@cdm/unet';
import { fileStorage, toStoragePath } from './file-storage';
import { STAGE_FILE, readStageFile } from './stage-file';

/**
 * `training.init`: the weights a fresh run starts from, read only if the run does not resume.
 * - a stage directory (stage.json, e.g. another run's `stage/`): loaded by its denoiser type with
 *   the weights stage.json names (EMA for stages `cdm train` exports);
 * - a `.safetensors` file: a training checkpoint's (tfjs layout) as it is; one in PyTorch's layout
 *   (an exported stage's `ema.safetensors`, an imported checkpoint) converted by @cdm/unet when the
 *   stage's denoiser is an `adm-unet`.
 * Names and shapes are checked by `trainStage` against the network the config builds.
 */
export function initWeights(path: string, denoiserType: string, denoiser: Denoiser, registries: Registries): InitWeights {
  return {
    source: path,
    load: async () => {
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) throw errors.notFound(path, 'the file system (training.init)');
      return info.isDirectory() ? fromStageDirectory(path, registries) : fromFile(path, denoiserType, denoiser);
    },
  };
}

async function fromStageDirectory(dir: string, registries: Registries): Promise<Map<string, SavedTensor>> {
  if ((await stat(join(dir, STAGE_FILE)).catch(() => undefined)) === undefined) {
    throw errors.invalidArgument('training.init', `a stage directory (with ${STAGE_FILE}) or a .safetensors file`, dir);
  }
  const { stage } = await readStageFile(dir);
  const loaded = await registries.denoisers.get(stage.denoiser.type).load(fileStorage(), toStoragePath(resolve(dir, stage.denoiser.path)), {
    weights: stage.denoiser.weights ?? 'model',
  });
  try {
    return new Map(await readVariables(loaded.parameters()));
  } finally {
    loaded.dispose();
  }
}

async function fromFile(path: string, denoiserType: string, denoiser: Denoiser): Promise<Map<string, SavedTensor>> {
  const storagePath = toStoragePath(path);
  if (!path.endsWith('.safetensors')) throw errors.invalidArgument('training.init', 'a stage directory or a .safetensors file', path);
  const bytes = await fileStorage().read(storagePath);
  const { metadata, tensors } = readSafetensors(bytes);
  if (metadata['layout'] === 'tfjs') return readInitWeights(fileStorage(), storagePath);
  if (denoiserType !== UNET_DENOISER_NAME) {
    throw errors.invalidArgument('training.init', `a stage directory, or a .safetensors file in tfjs layout (a training checkpoint's) for denoiser type "${denoiserType}"`, path);
  }
  // PyTorch layout under guided-diffusion's names: the U-Net's own conversion (it checks every name and shape).
  const specs = (denoiser as AdmUnet).architecture.parameters;
  return importStateDict(specs, tensors, path);
}

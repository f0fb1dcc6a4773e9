import { joinPath, type Storage } from '@cdm/core';
import { EMA_FILE, MODEL_FILE, UNET_DENOISER_NAME } from '@cdm/unet';

const join = (dir: string, name: string) => (dir === '' ? name : joinPath(dir, name));

interface PlannedStage {
  readonly denoiser?: { readonly type?: unknown; readonly path?: unknown; readonly weights?: unknown };
}

/**
 * The weight files `loadCascade` will read for a cascade.json, as storage paths, for the stages
 * whose denoiser is @cdm/unet's (its files: `weights: "ema"` → ema.safetensors, else
 * model.safetensors). Other denoiser types are left out: their sizes are learned as they load.
 */
export function plannedWeightFiles(manifest: unknown, manifestPath: string): string[] {
  const stages = (manifest as { stages?: unknown } | null)?.stages;
  if (!Array.isArray(stages)) return [];
  const slash = manifestPath.lastIndexOf('/');
  const base = slash < 0 ? '' : manifestPath.slice(0, slash);
  return (stages as PlannedStage[]).flatMap(({ denoiser }) => {
    if (denoiser?.type !== UNET_DENOISER_NAME || typeof denoiser.path !== 'string') return [];
    return [join(join(base, denoiser.path), denoiser.weights === 'ema' ? EMA_FILE : MODEL_FILE)];
  });
}

/**
 * The sizes of the weight files a cascade will load, asked before loading so the download bar's
 * total is right from the start. Best effort: a file whose size `sizeOf` cannot tell is left out,
 * and any failure (no manifest, not JSON) gives an empty map — loading then reports it properly.
 */
export async function expectedWeightSizes(storage: Storage, manifestPath: string, sizeOf: (path: string) => Promise<number | undefined>): Promise<Map<string, number>> {
  try {
    const manifest: unknown = JSON.parse(new TextDecoder().decode(await storage.read(manifestPath)));
    const paths = plannedWeightFiles(manifest, manifestPath);
    const sizes = await Promise.all(paths.map((path) => sizeOf(path).catch(() => undefined)));
    return new Map(paths.flatMap((path, i) => (sizes[i] === undefined ? [] : [[path, sizes[i]] as const])));
  } catch {
    return new Map();
  }
}

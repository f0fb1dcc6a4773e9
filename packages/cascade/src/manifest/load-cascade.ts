import {
  CdmError,
  GaussianDiffusion,
  createNoiseSchedule,
  defaultRegistries,
  errors,
  isCdmError,
  joinPath,
  type AugmentationPolicy,
  type CdmPluginModule,
  type Denoiser,
  type Registries,
  type Storage,
} from '@cdm/core';
import { createCascade, type Cascade } from '../cascade/cascade';
import { createStage, type Stage } from '../stage/stage';
import { parseCascadeManifest, type CascadeManifest, type StageManifest } from './cascade-manifest';

export interface LoadCascadeOptions {
  /** Where names are looked up. Default: core's default registries. */
  readonly registries?: Registries;
  /** Which weights every stage loads, overriding each stage's `denoiser.weights` (default 'ema' when present in the manifest, else 'model'). */
  readonly weights?: 'model' | 'ema';
  /**
   * Loads a plugin named in the manifest's `plugins`. Default: `import(specifier)`. The CLI passes
   * one that resolves package names and paths relative to the config.
   */
  readonly importPlugin?: (specifier: string) => Promise<unknown>;
  readonly signal?: AbortSignal;
  /** Called as each stage's checkpoint finishes loading. */
  readonly onStageLoaded?: (stage: number, name: string) => void;
}

export interface LoadedCascade {
  readonly cascade: Cascade;
  readonly manifest: CascadeManifest;
  /** Frees every stage's network. */
  dispose(): void;
}

/** The directory part of a storage path or URL (`''` for a bare file name). */
function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/**
 * Reads `cascade.json` from `storage` and builds the cascade it describes: plugins are registered,
 * every stage's checkpoint is loaded through its denoiser factory, and diffusions, policies and
 * samplers are resolved by name. Paths in the manifest are relative to the manifest. Every problem
 * names the manifest field it comes from; networks loaded before a failure are freed.
 */
export async function loadCascade(storage: Storage, manifestPath: string, options: LoadCascadeOptions = {}): Promise<LoadedCascade> {
  const registries = options.registries ?? defaultRegistries;
  const bytes = await storage.read(manifestPath, options.signal === undefined ? {} : { signal: options.signal });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw errors.invalidArgument(manifestPath, 'a JSON file', cause instanceof Error ? cause.message : String(cause));
  }
  const manifest = parseCascadeManifest(json, manifestPath);
  await registerPlugins(manifest.plugins ?? [], registries, options.importPlugin ?? ((specifier) => import(/* @vite-ignore */ specifier)), manifestPath);

  const base = directoryOf(manifestPath);
  const denoisers: Denoiser[] = [];
  try {
    const stages: Stage[] = [];
    for (const [index, stageManifest] of manifest.stages.entries()) {
      if (options.signal?.aborted) throw errors.aborted('Loading the cascade');
      const field = `${manifestPath}: stages[${index}]`;
      const denoiser = await loadDenoiser(storage, base, stageManifest, field, registries, options);
      denoisers.push(denoiser);
      stages.push(buildStage(stageManifest, denoiser, field, registries));
      options.onStageLoaded?.(index, stageManifest.name);
    }
    const cascade = createCascade(stages, registries.samplers);
    return { cascade, manifest, dispose: () => denoisers.forEach((d) => d.dispose()) };
  } catch (error) {
    denoisers.forEach((d) => d.dispose());
    throw error;
  }
}

async function registerPlugins(specifiers: readonly string[], registries: Registries, importPlugin: (specifier: string) => Promise<unknown>, source: string): Promise<void> {
  for (const [i, specifier] of specifiers.entries()) {
    let module: unknown;
    try {
      module = await importPlugin(specifier);
    } catch (cause) {
      throw new CdmError('CDM_PLUGIN_FAILED', `${source}: plugins[${i}]: cannot import "${specifier}": ${cause instanceof Error ? cause.message : String(cause)}`, 'Install the package, or give a path to the plugin module', { cause });
    }
    const register = (module as Partial<CdmPluginModule> | undefined)?.register;
    if (typeof register !== 'function') {
      throw errors.invalidArgument(`${source}: plugins[${i}] ("${specifier}")`, 'a module that exports register(registries)', 'a module without it');
    }
    try {
      register(registries);
    } catch (cause) {
      throw errors.pluginFailed('plugin', specifier, 'register', cause);
    }
  }
}

async function loadDenoiser(storage: Storage, base: string, stage: StageManifest, field: string, registries: Registries, options: LoadCascadeOptions): Promise<Denoiser> {
  const factory = named(() => registries.denoisers.get(stage.denoiser.type), `${field}.denoiser.type`);
  const dir = base === '' ? stage.denoiser.path : joinPath(base, stage.denoiser.path);
  const weights = options.weights ?? stage.denoiser.weights ?? 'model';
  try {
    return await factory.load(storage, dir, { weights, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  } catch (error) {
    if (isCdmError(error) && error.code !== 'CDM_PLUGIN_FAILED') {
      throw new CdmError(error.code, `${field}.denoiser (${dir}): ${error.message.replace(/ \[CDM_[A-Z_]+\]$/, '')}`, undefined, { cause: error });
    }
    throw errors.pluginFailed('denoiser', factory.name, 'load', error);
  }
}

function buildStage(stage: StageManifest, denoiser: Denoiser, field: string, registries: Registries): Stage {
  const { diffusion: d } = stage;
  const schedule = named(() => createNoiseSchedule(d.schedule, d.timesteps, registries.schedules), `${field}.diffusion.schedule`);
  const diffusion = named(
    () =>
      new GaussianDiffusion({
        schedule,
        ...(d.modelOutput === undefined ? {} : { modelOutput: d.modelOutput }),
        ...(d.modelVariance === undefined ? {} : { modelVariance: d.modelVariance }),
        ...(d.loss === undefined ? {} : { loss: d.loss }),
        ...(d.vlbWeight === undefined ? {} : { vlbWeight: d.vlbWeight }),
      }),
    `${field}.diffusion`,
  );
  let augmentation: AugmentationPolicy | undefined;
  if (stage.augmentation !== undefined) {
    const { name, options } = stage.augmentation;
    const factory = named(() => registries.augmentationPolicies.get(name), `${field}.augmentation.name`);
    augmentation = named(() => factory.create(options ?? {}), `${field}.augmentation.options`);
  }
  return named(
    () =>
      createStage(
        {
          name: stage.name,
          resolution: stage.resolution,
          denoiser,
          diffusion,
          ...(stage.channels === undefined ? {} : { channels: stage.channels }),
          ...(stage.numClasses === undefined ? {} : { numClasses: stage.numClasses }),
          ...(stage.nullClass === undefined ? {} : { nullClass: stage.nullClass }),
          ...(stage.lowResolution === undefined ? {} : { lowResolution: stage.lowResolution }),
          ...(stage.upsample === undefined ? {} : { upsample: stage.upsample }),
          ...(augmentation === undefined ? {} : { augmentation }),
          ...(stage.defaults === undefined ? {} : { defaults: stage.defaults }),
        },
        registries.samplers,
      ),
    field,
  );
}

/** Runs `build`, prefixing a coded error's message with the manifest field it concerns. */
function named<T>(build: () => T, field: string): T {
  try {
    return build();
  } catch (error) {
    if (isCdmError(error)) throw new CdmError(error.code, `${field}: ${error.message.replace(/ \[CDM_[A-Z_]+\]$/, '')}`, undefined, { cause: error });
    throw error;
  }
}

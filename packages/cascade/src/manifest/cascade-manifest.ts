import { LOSS_TYPES, MODEL_OUTPUT_TYPES, MODEL_VARIANCE_TYPES, errors, type LossType, type ModelOutputType, type ModelVarianceType, type TimestepSpacing } from '@cdm/core';
import type { StageSampleParams, Upsampler } from '../stage/stage';
import { fields, type Fields } from './manifest-fields';

export const CASCADE_MANIFEST_FORMAT = 'cdm-cascade';
export const CASCADE_MANIFEST_VERSION = 1;

/** `cascade.json`: everything needed to rebuild a cascade from files, in Node or over HTTP. */
export interface CascadeManifest {
  readonly format: typeof CASCADE_MANIFEST_FORMAT;
  readonly version: typeof CASCADE_MANIFEST_VERSION;
  readonly name?: string;
  readonly description?: string;
  /** Names of the classes, index = label. */
  readonly classNames?: readonly string[];
  /** Plugin modules (package names or paths) to import and `register(registries)` before loading. */
  readonly plugins?: readonly string[];
  readonly stages: readonly StageManifest[];
}

export interface StageManifest {
  readonly name: string;
  readonly resolution: number;
  readonly channels?: number;
  /** A registered denoiser type and its checkpoint directory, relative to `cascade.json`. */
  readonly denoiser: { readonly type: string; readonly path: string; readonly weights?: 'ema' | 'model' };
  /** The trained diffusion process. */
  readonly diffusion: DiffusionManifest;
  readonly numClasses?: number;
  readonly nullClass?: number;
  readonly lowResolution?: number;
  readonly upsample?: Upsampler;
  /** A registered augmentation policy and its options (validated by the policy's factory). */
  readonly augmentation?: { readonly name: string; readonly options?: unknown };
  readonly defaults?: StageSampleParams;
}

export interface DiffusionManifest {
  readonly schedule: string;
  readonly timesteps: number;
  readonly modelOutput?: ModelOutputType;
  readonly modelVariance?: ModelVarianceType;
  readonly loss?: LossType;
  readonly vlbWeight?: number;
}

const STAGE_FIELDS = ['name', 'resolution', 'channels', 'denoiser', 'diffusion', 'numClasses', 'nullClass', 'lowResolution', 'upsample', 'augmentation', 'defaults'];
const DEFAULTS_FIELDS = ['sampler', 'steps', 'eta', 'guidanceScale', 'augLevel', 'truncate'];

/**
 * Validates a parsed `cascade.json` and returns it typed; any problem is a CDM_INVALID_ARGUMENT
 * error naming the field (`cascade.json: stages[1].diffusion.timesteps`). Whether names resolve
 * (denoiser types, schedules, policies, samplers) is checked when the cascade is loaded.
 */
export function parseCascadeManifest(json: unknown, source = 'cascade.json'): CascadeManifest {
  const root = fields(json, `${source}:`, ['$schema', 'format', 'version', 'name', 'description', 'classNames', 'plugins', 'stages']);
  if (root.raw('format') !== CASCADE_MANIFEST_FORMAT) throw errors.invalidArgument(root.at('format'), `"${CASCADE_MANIFEST_FORMAT}"`, root.raw('format'));
  if (root.raw('version') !== CASCADE_MANIFEST_VERSION) {
    throw errors.invalidArgument(root.at('version'), `${CASCADE_MANIFEST_VERSION} (this version of @cdm/cascade reads version 1)`, root.raw('version'));
  }
  const classNames = root.has('classNames') ? root.array('classNames') : undefined;
  classNames?.forEach((name, i) => {
    if (typeof name !== 'string') throw errors.invalidArgument(`${root.at('classNames')}[${i}]`, 'a string', name);
  });
  const plugins = root.has('plugins') ? root.array('plugins') : undefined;
  plugins?.forEach((plugin, i) => {
    if (typeof plugin !== 'string' || plugin === '') throw errors.invalidArgument(`${root.at('plugins')}[${i}]`, 'a package name or path', plugin);
  });
  const stageValues = root.array('stages');
  if (stageValues.length === 0) throw errors.invalidArgument(root.at('stages'), 'at least one stage', 0);
  const stages = stageValues.map((value, i) => parseStage(fields(value, `${root.at('stages')}[${i}]`, STAGE_FIELDS)));
  const name = root.optionalString('name');
  const description = root.optionalString('description');
  return {
    format: CASCADE_MANIFEST_FORMAT,
    version: CASCADE_MANIFEST_VERSION,
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(classNames === undefined ? {} : { classNames: classNames as string[] }),
    ...(plugins === undefined ? {} : { plugins: plugins as string[] }),
    stages,
  };
}

function parseStage(stage: Fields): StageManifest {
  const denoiser = fields(stage.raw('denoiser'), stage.at('denoiser'), ['type', 'path', 'weights']);
  const diffusion = fields(stage.raw('diffusion'), stage.at('diffusion'), ['schedule', 'timesteps', 'modelOutput', 'modelVariance', 'loss', 'vlbWeight']);
  const augmentation = stage.has('augmentation') ? fields(stage.raw('augmentation'), stage.at('augmentation'), ['name', 'options']) : undefined;
  const defaults = stage.has('defaults') ? parseDefaults(fields(stage.raw('defaults'), stage.at('defaults'), DEFAULTS_FIELDS)) : undefined;
  const weights = denoiser.oneOf('weights', ['ema', 'model'] as const);
  const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));
  return {
    name: stage.string('name'),
    resolution: stage.integer('resolution', 1),
    ...optional('channels', stage.optionalInteger('channels', 1)),
    denoiser: { type: denoiser.string('type'), path: denoiser.string('path'), ...optional('weights', weights) },
    diffusion: {
      schedule: diffusion.string('schedule'),
      timesteps: diffusion.integer('timesteps', 1),
      ...optional('modelOutput', diffusion.oneOf('modelOutput', MODEL_OUTPUT_TYPES)),
      ...optional('modelVariance', diffusion.oneOf('modelVariance', MODEL_VARIANCE_TYPES)),
      ...optional('loss', diffusion.oneOf('loss', LOSS_TYPES)),
      ...optional('vlbWeight', diffusion.optionalNumber('vlbWeight')),
    },
    ...optional('numClasses', stage.optionalInteger('numClasses', 1)),
    ...optional('nullClass', stage.optionalInteger('nullClass', 0)),
    ...optional('lowResolution', stage.optionalInteger('lowResolution', 1)),
    ...optional('upsample', stage.oneOf('upsample', ['bilinear', 'bicubic'] as const)),
    ...(augmentation === undefined ? {} : { augmentation: { name: augmentation.string('name'), ...optional('options', augmentation.raw('options')) } }),
    ...optional('defaults', defaults),
  };
}

function parseDefaults(defaults: Fields): StageSampleParams {
  const steps = defaults.raw('steps');
  if (steps !== undefined && typeof steps !== 'string' && typeof steps !== 'number' && !Array.isArray(steps)) {
    throw errors.invalidArgument(defaults.at('steps'), 'a number, a "ddimN", "trailingN" or "N" string, or a list of timesteps', steps);
  }
  const entries: [string, unknown][] = [
    ['sampler', defaults.optionalString('sampler')],
    ['steps', steps as TimestepSpacing | undefined],
    ['eta', defaults.optionalNumber('eta')],
    ['guidanceScale', defaults.optionalNumber('guidanceScale')],
    ['augLevel', defaults.optionalInteger('augLevel', 0)],
    ['truncate', defaults.optionalBoolean('truncate')],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as StageSampleParams;
}

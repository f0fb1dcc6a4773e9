import { join, relative, resolve, sep } from 'node:path';
import { errors } from '@cdm/core';
import { parseCascadeManifest, type CascadeManifest, type StageManifest } from '@cdm/cascade';
import { writeFileAtomic } from './file-storage';
import { isPathSpecifier } from './plugins';
import { readJsonFile } from './read-json';

/** The file in a stage directory that `cdm cascade` assembles into a cascade.json. */
export const STAGE_FILE = 'stage.json';
export const STAGE_FILE_FORMAT = 'cdm-stage';

/**
 * `stage.json`: one stage's cascade.json entry, with its checkpoint in the same directory
 * (`denoiser.path` is `"."`), the plugins it needs (paths relative to this directory) and where
 * it came from.
 */
export interface StageFile {
  readonly format: typeof STAGE_FILE_FORMAT;
  readonly version: 1;
  readonly plugins?: readonly string[];
  readonly classNames?: readonly string[];
  readonly stage: StageManifest;
  /** How the weights were made: `cdm train` (steps, loss, time) or `cdm import` (the source file). */
  readonly source?: Readonly<Record<string, unknown>>;
}

/** Rewrites a plugin path given relative to `from` so that it is relative to `to` (package names pass through). */
export function rebasePlugin(specifier: string, from: string, to: string): string {
  if (!isPathSpecifier(specifier)) return specifier;
  const path = relative(to, resolve(from, specifier)).split(sep).join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

export async function writeStageFile(dir: string, file: StageFile): Promise<string> {
  const path = join(dir, STAGE_FILE);
  // Validate as a one-stage manifest would be, so `cdm cascade` never meets a bad stage.json.
  parseCascadeManifest({ format: 'cdm-cascade', version: 1, stages: [file.stage] }, path);
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

export async function readStageFile(dir: string): Promise<StageFile> {
  const path = join(dir, STAGE_FILE);
  const json = (await readJsonFile(path, `a stage directory's ${STAGE_FILE}`)) as Partial<StageFile> | null;
  if (typeof json !== 'object' || json === null || json.format !== STAGE_FILE_FORMAT) {
    throw errors.invalidArgument(`${path}: format`, `"${STAGE_FILE_FORMAT}" (a stage exported by cdm train or cdm import)`, json?.format);
  }
  const manifest = parseCascadeManifest(
    { format: 'cdm-cascade', version: 1, stages: [json.stage], ...(json.plugins === undefined ? {} : { plugins: json.plugins }), ...(json.classNames === undefined ? {} : { classNames: json.classNames }) },
    path,
  );
  return { ...(json as StageFile), stage: manifest.stages[0]! };
}

/**
 * cascade.json from stage directories, in cascade order: checkpoint paths and plugin paths made
 * relative to the manifest's directory, plugins merged, the class names of the first stage that
 * has them. Checks that each super-resolution stage is conditioned on the previous resolution.
 */
export function assembleManifest(
  stages: readonly { dir: string; file: StageFile }[],
  manifestDir: string,
  about: { readonly name?: string | undefined; readonly description?: string | undefined } = {},
): CascadeManifest {
  const { name, description } = about;
  const plugins: string[] = [];
  stages.forEach(({ dir, file }, i) => {
    for (const plugin of file.plugins ?? []) {
      const rebased = rebasePlugin(plugin, dir, manifestDir);
      if (!plugins.includes(rebased)) plugins.push(rebased);
    }
    const { stage } = file;
    if (i === 0 && stage.lowResolution !== undefined) {
      throw errors.invalidArgument(`stage directory 1 (${dir})`, 'a base stage first (this one is super-resolution, conditioned on lowResolution)', stage.lowResolution);
    }
    const previous = stages[i - 1]?.file.stage;
    if (previous !== undefined && stage.lowResolution !== previous.resolution) {
      throw errors.invalidArgument(`stage directory ${i + 1} (${dir}) lowResolution`, `${previous.resolution}, the resolution of the stage before it (${previous.name})`, stage.lowResolution ?? 'none (a base stage)');
    }
  });
  const names = stages.map(({ file }) => file.stage.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw errors.invalidArgument('stage names', 'distinct names', duplicate);
  const classNames = stages.find(({ file }) => file.classNames !== undefined)?.file.classNames;
  return {
    format: 'cdm-cascade',
    version: 1,
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    ...(classNames === undefined ? {} : { classNames }),
    ...(plugins.length === 0 ? {} : { plugins }),
    stages: stages.map(({ dir, file }) => {
      const path = relative(manifestDir, resolve(dir, file.stage.denoiser.path)).split(sep).join('/');
      return { ...file.stage, denoiser: { ...file.stage.denoiser, path: path === '' ? '.' : path } };
    }),
  };
}

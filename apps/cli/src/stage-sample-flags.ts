import type { Command } from 'commander';
import { CdmError, errors, isCdmError, type Registries } from '@cdm/core';
import type { Stage, StageSampleParams } from '@cdm/cascade';
import { parseInteger, parseNumber, parsePerStage, parseSteps } from './parse-values';

/** The per-stage sampling flags `cdm sample` and `cdm eval` share: comma-separated, one value per stage. */
export interface StageSampleFlags {
  readonly steps?: string;
  readonly sampler?: string;
  readonly eta?: string;
  readonly augLevel?: string;
  readonly truncate?: boolean;
  readonly guidance?: string;
}

/** Adds the per-stage sampling flags to a command. */
export function withStageSampleFlags(command: Command): Command {
  return command
    .option('--steps <list>', 'sampling steps per stage, e.g. 50,25, ddim50,ddim25 or trailing10,trailing5')
    .option('--sampler <list>', 'ddpm, ddim or dpm++2m (or a plugin sampler), per stage')
    .option('--eta <list>', 'DDIM eta per stage')
    .option('--aug-level <list>', 'conditioning-augmentation level s per stage (super-resolution stages), e.g. 0,250')
    .option('--truncate', 'truncated hand-over: the stage below stops at level s (needs --aug-level)')
    .option('--guidance <list>', 'classifier-free guidance scale w per stage (1 = none)');
}

/**
 * The flags as `cascade.sample`'s per-stage params, checked against the loaded stages: a flag that
 * names an unknown sampler, guides a stage without a null class, or augments the base stage fails
 * with the flag (and stage) named. Fields left unset fall back to each stage's defaults.
 */
export function parseStageSampleFlags(flags: StageSampleFlags, stages: readonly Stage[], registries: Registries): StageSampleParams[] {
  const count = stages.length;
  const steps = parsePerStage('--steps', flags.steps, count, parseSteps);
  const sampler = parsePerStage('--sampler', flags.sampler, count, (item, flag) => {
    if (!registries.samplers.has(item)) throw errors.invalidArgument(flag, `a sampler: ${registries.samplers.list().join(', ')}`, item);
    return item;
  });
  const eta = parsePerStage('--eta', flags.eta, count, (item, flag) => parseNumber(flag, item));
  const augLevel = parsePerStage('--aug-level', flags.augLevel, count, (item, flag) => parseInteger(flag, item, 0));
  const guidance = parsePerStage('--guidance', flags.guidance, count, (item, flag) => parseNumber(flag, item));
  if (flags.truncate === true && count < 2) throw errors.invalidArgument('--truncate', 'a cascade with a super-resolution stage', `${count} stage`);

  return stages.map((stage, i) => {
    const p: { -readonly [K in keyof StageSampleParams]: StageSampleParams[K] } = {};
    if (steps[i] !== undefined) p.steps = steps[i];
    if (sampler[i] !== undefined) p.sampler = sampler[i];
    if (eta[i] !== undefined) p.eta = eta[i];
    const w = guidance[i];
    if (w !== undefined) {
      // An explicit w = 1 is passed on too: it switches off a stage default such as the demo base's w = 2.
      if (stage.nullClass !== undefined) p.guidanceScale = w;
      else if (w !== 1 && (flags.guidance!.includes(',') || stages.every((s) => s.nullClass === undefined))) {
        throw errors.invalidArgument(`--guidance (stage ${i}, ${stage.name})`, '1: this stage was not trained with a null class for classifier-free guidance', w);
      }
    }
    if (stage.superResolution !== undefined) {
      if (augLevel[i] !== undefined) p.augLevel = augLevel[i];
      if (flags.truncate === true) p.truncate = true;
    } else if (augLevel[i] !== undefined && augLevel[i] !== 0 && flags.augLevel!.includes(',')) {
      throw errors.invalidArgument(`--aug-level (stage ${i}, ${stage.name})`, '0 or an empty entry: the base stage has no conditioning to augment', augLevel[i]);
    }
    return p;
  });
}

const FLAG_OF: Readonly<Record<string, string>> = { augLevel: '--aug-level', guidanceScale: '--guidance', steps: '--steps', sampler: '--sampler', eta: '--eta', truncate: '--truncate' };

/** Runs a sampling call, renaming the per-stage fields its errors name (`stages[1].augLevel`) to the flags that set them. */
export async function withFlagNames<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const match = isCdmError(error) ? /^Invalid stages\[(\d+)\]\.(\w+):/.exec(error.message) : null;
    if (match === null || FLAG_OF[match[2]!] === undefined) throw error;
    const cdmError = error as CdmError;
    const message = cdmError.message.replace(/ \[CDM_[A-Z_]+\]$/, '').replace(match[0], `Invalid ${FLAG_OF[match[2]!]} (stage ${match[1]}):`);
    throw new CdmError(cdmError.code, cdmError.hint === undefined ? message : message.slice(0, -(cdmError.hint.length + 2)), cdmError.hint, { cause: error });
  }
}

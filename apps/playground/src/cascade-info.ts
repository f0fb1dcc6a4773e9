import type { Cascade, CascadeManifest, StageSampleParams } from '@cdm/cascade';

/** What the page needs to know about one stage to build its controls and gallery column (plain data, sent from the worker). */
export interface StageInfo {
  readonly name: string;
  readonly resolution: number;
  /** T of the stage's diffusion: steps and aug level s must stay below or at it. */
  readonly numTimesteps: number;
  readonly defaults: StageSampleParams & { readonly sampler: string };
  readonly numClasses: number | undefined;
  /** Set when the stage was trained with a null class (classifier-free guidance works). */
  readonly hasNullClass: boolean;
  /** Super-resolution stages: the resolution they are conditioned on, and whether they use conditioning augmentation. */
  readonly superResolution: { readonly lowResolution: number; readonly augmented: boolean } | undefined;
}

/** A loaded cascade as the page sees it: names, stages and the sampler names it may offer. */
export interface CascadeInfo {
  readonly name: string | undefined;
  readonly classNames: readonly string[] | undefined;
  readonly stages: readonly StageInfo[];
  readonly samplerNames: readonly string[];
}

/** Describes a loaded cascade as plain data (structured-cloneable), for the page's controls. */
export function describeCascade(cascade: Cascade, manifest: CascadeManifest, samplerNames: readonly string[]): CascadeInfo {
  return {
    name: manifest.name,
    classNames: manifest.classNames,
    samplerNames,
    stages: cascade.stages.map((stage) => ({
      name: stage.name,
      resolution: stage.resolution,
      numTimesteps: stage.diffusion.numTimesteps,
      defaults: stage.defaults,
      numClasses: stage.numClasses,
      hasNullClass: stage.nullClass !== undefined,
      superResolution:
        stage.superResolution === undefined ? undefined : { lowResolution: stage.superResolution.lowResolution, augmented: stage.superResolution.augmentation !== undefined },
    })),
  };
}

import { basename, dirname } from 'node:path';
import { loadCascade, type StageManifest } from '@cdm/cascade';
import type { CommandContext } from '../context';
import { cascadeArgument } from '../demo';
import { fileStorage, toStoragePath } from '../file-storage';
import { pluginImporter } from '../plugins';
import { readJsonFile } from '../read-json';
import { resolvedStageParams, type ResolvedStageParams } from '../resolved-params';

/** One stage as `cdm info <cascade.json>` reports it. */
export interface StageReport {
  readonly name: string;
  readonly resolution: number;
  readonly channels: number;
  /** Super-resolution stages: the resolution of the image they are conditioned on. */
  readonly lowResolution: number | null;
  readonly upsample: string | null;
  readonly denoiser: { readonly type: string; readonly parameters: number; readonly weights: string };
  readonly diffusion: { readonly schedule: string; readonly timesteps: number; readonly modelOutput: string; readonly modelVariance: string };
  readonly numClasses: number | null;
  /** Whether the stage was trained with a null class, so classifier-free guidance (w ≠ 1) works. */
  readonly classifierFreeGuidance: boolean;
  readonly classifier: boolean;
  /** The conditioning-augmentation policy and its options, as cascade.json names them. */
  readonly augmentation: { readonly name: string; readonly options: unknown } | null;
  /** What `cdm sample` uses when no flag overrides it. */
  readonly defaults: ResolvedStageParams;
}

export interface CascadeFlags {
  readonly demo?: string | boolean;
}

/** `cdm info <cascade.json>` / `cdm info --demo`: the cascade's classes and, per stage, resolution, network size, sampler defaults and augmentation. */
export async function runCascadeInfo(ctx: CommandContext, cascadeArg: string | undefined, flags: CascadeFlags): Promise<number> {
  const manifestPath = cascadeArgument(ctx, cascadeArg, flags.demo);
  await readJsonFile(manifestPath, 'cascade.json'); // a missing or broken file is reported before the backend starts
  const { backend } = await ctx.useBackend();
  const loaded = await loadCascade(fileStorage(), toStoragePath(manifestPath), {
    registries: ctx.registries,
    importPlugin: pluginImporter(dirname(manifestPath), ctx.cwd),
    ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
  });
  try {
    const { cascade, manifest } = loaded;
    const stages: StageReport[] = cascade.stages.map((stage, i) => {
      const described: StageManifest = manifest.stages[i]!;
      const sr = stage.superResolution;
      return {
        name: stage.name,
        resolution: stage.resolution,
        channels: stage.channels,
        lowResolution: sr?.lowResolution ?? null,
        upsample: sr?.upsample ?? null,
        denoiser: {
          type: described.denoiser.type,
          parameters: [...stage.denoiser.parameters().values()].reduce((n, v) => n + v.size, 0),
          weights: described.denoiser.weights ?? 'model',
        },
        diffusion: { schedule: described.diffusion.schedule, timesteps: stage.diffusion.numTimesteps, modelOutput: stage.diffusion.modelOutput, modelVariance: stage.diffusion.modelVariance },
        numClasses: stage.numClasses ?? null,
        classifierFreeGuidance: stage.nullClass !== undefined,
        classifier: stage.classifier !== undefined,
        augmentation: described.augmentation === undefined ? null : { name: described.augmentation.name, options: described.augmentation.options ?? null },
        defaults: resolvedStageParams(stage, {}, ctx.registries),
      };
    });
    const classNames = manifest.classNames ?? null;
    const numClasses = cascade.stages[0]!.numClasses ?? null;
    ctx.result({
      ok: true,
      cascade: manifestPath,
      name: manifest.name ?? null,
      description: manifest.description ?? null,
      backend: backend.name,
      numClasses,
      classNames,
      plugins: manifest.plugins ?? [],
      stages,
    });
    ctx.say(`${manifest.name ?? basename(dirname(manifestPath))}: ${manifestPath}`);
    if (manifest.description !== undefined) ctx.say(manifest.description);
    if (numClasses === null) ctx.say('Classes: none (unconditional)');
    else ctx.say(`Classes (${numClasses}): ${Array.from({ length: numClasses }, (_, c) => `${c} ${classNames?.[c] ?? ''}`.trim()).join(', ')}`);
    ctx.say('Stages:');
    for (const [i, s] of stages.entries()) ctx.say(describeStage(i, s));
    return 0;
  } finally {
    loaded.dispose();
  }
}

function describeStage(index: number, s: StageReport): string {
  const lines = [
    `  ${index} ${s.name}: ${s.lowResolution === null ? '' : `${s.lowResolution}→`}${s.resolution}×${s.resolution}×${s.channels}, ${s.denoiser.type} with ${s.denoiser.parameters.toLocaleString('en-US')} parameters (${s.denoiser.weights} weights)`,
    `      diffusion: ${s.diffusion.schedule}, T = ${s.diffusion.timesteps}, predicts ${s.diffusion.modelOutput}, variance ${s.diffusion.modelVariance}`,
    `      sampling: ${describeDefaults(s.defaults)}${s.classifierFreeGuidance ? '' : ' (no null class: no classifier-free guidance)'}${s.classifier ? ', with a noisy-image classifier' : ''}`,
  ];
  if (s.lowResolution !== null) {
    const policy = s.augmentation === null ? 'none' : `${s.augmentation.name}${s.augmentation.options === null ? '' : ` ${JSON.stringify(s.augmentation.options)}`}`;
    lines.push(`      conditioning: ${s.upsample} upsampling, augmentation ${policy}`);
  }
  return lines.join('\n');
}

function describeDefaults(d: ResolvedStageParams): string {
  const steps = d.steps === null ? `all ${d.timesteps} steps` : `steps ${JSON.stringify(d.steps)} (${d.timesteps})`;
  const parts = [`${d.sampler}, ${steps}`];
  if (d.eta !== null) parts.push(`η = ${d.eta}`);
  parts.push(`w = ${d.guidanceScale}`);
  if (d.classifierScale !== 0) parts.push(`classifier scale ${d.classifierScale}`);
  if (d.augLevel !== undefined) parts.push(`s = ${d.augLevel}${d.truncate ? ' (truncated hand-over)' : ''}`);
  return parts.join(', ');
}

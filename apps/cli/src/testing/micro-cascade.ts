import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeCascadeManifest, type CascadeManifest } from '@cdm/cascade';
import { cpuBackend } from '@cdm/backend-node';
import { admUnet, createAdmUnet, type UnetConfig } from '@cdm/unet';
import { fileStorage, toStoragePath } from '../file-storage';
import { memoryIo } from '../io';
import { runCli } from '../run-cli';

/** Micro U-Nets: real ADM networks, small enough to run in milliseconds on tfjs-cpu. */
export const micro = (extra: Partial<UnetConfig> = {}): UnetConfig => ({
  imageSize: 8,
  modelChannels: 8,
  numResBlocks: 1,
  channelMult: [1, 2],
  attentionResolutions: [4],
  normGroups: 4,
  numHeadChannels: 8,
  ...extra,
});

/** A micro base stage on the procedural dataset at 8×8 (10 classes + the null class). */
export const microBaseConfig = (extra: Record<string, unknown> = {}) => ({
  runDir: 'runs/base8',
  stage: {
    name: 'base8',
    resolution: 8,
    numClasses: 10,
    nullClass: 10,
    denoiser: { type: 'adm-unet', config: { ...micro(), seed: 1 } },
    diffusion: { schedule: 'cosine', timesteps: 100 },
    defaults: { sampler: 'ddim', steps: 'ddim4' },
  },
  dataset: { type: 'procedural', size: 20 },
  training: { steps: 4, batchSize: 2, lr: 1e-3, classDropout: 0.2, checkpointEvery: 2, logEvery: 1, seed: 7 },
  ...extra,
});

export const tempDir = (prefix = 'cdm-cli-') => mkdtemp(join(tmpdir(), prefix));

/** Runs the CLI in-process and returns its exit status and output. */
export async function cdm(argv: readonly string[], options: Parameters<typeof memoryIo>[0] = {}) {
  const io = memoryIo(options);
  const code = await runCli(argv, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText(), json: (): ReturnType<typeof JSON.parse> => JSON.parse(io.stdoutText()) };
}

/** Writes a two-stage 8 → 16 micro cascade (random weights) under `dir`; returns the cascade.json path. */
export async function writeMicroCascade(dir: string, extra: Partial<CascadeManifest> = {}): Promise<string> {
  await cpuBackend().init();
  tf.engine().startScope();
  try {
    const storage = fileStorage();
    const base = createAdmUnet(micro({ numClasses: 4, classifierFreeGuidance: true, seed: 1 }));
    const sr = createAdmUnet(micro({ imageSize: 16, attentionResolutions: [8], superRes: { upsample: 'bicubic' }, augLevelEmbedding: true, seed: 2 }));
    await admUnet.save(storage, toStoragePath(join(dir, 'base')), base, { ema: base.parameters() });
    await admUnet.save(storage, toStoragePath(join(dir, 'sr16')), sr);
    base.dispose();
    sr.dispose();
    const manifest: CascadeManifest = {
      format: 'cdm-cascade',
      version: 1,
      name: 'micro',
      classNames: ['circle', 'square', 'star', 'ring'],
      plugins: ['@cdm/augment'],
      stages: [
        {
          name: 'base',
          resolution: 8,
          denoiser: { type: 'adm-unet', path: 'base', weights: 'ema' },
          diffusion: { schedule: 'cosine', timesteps: 100 },
          numClasses: 4,
          nullClass: 4,
          defaults: { sampler: 'ddim', steps: 'ddim5' },
        },
        {
          name: 'sr16',
          resolution: 16,
          lowResolution: 8,
          upsample: 'bicubic',
          denoiser: { type: 'adm-unet', path: 'sr16' },
          diffusion: { schedule: 'cosine', timesteps: 100 },
          augmentation: { name: 'gaussian-noise', options: { maxLevel: 50, schedule: { name: 'cosine', numTimesteps: 100 } } },
          defaults: { sampler: 'ddim', steps: 'ddim4', augLevel: 25 },
        },
      ],
      ...extra,
    };
    const path = join(dir, 'cascade.json');
    await writeCascadeManifest(storage, toStoragePath(path), manifest);
    return path;
  } finally {
    tf.engine().endScope();
  }
}

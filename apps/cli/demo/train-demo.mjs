// Trains and exports the demo cascade that ships in this folder (a 16×16 class-conditional base
// stage and a 16→32 super-resolution stage with Gaussian conditioning augmentation), on the
// procedural dataset, on the wasm backend, with the @cdm libraries.
//
//   node apps/cli/demo/train-demo.mjs train base --minutes 60    # each stage trains in its own
//   node apps/cli/demo/train-demo.mjs train sr32 --minutes 60    # process: run both at once on 2 cores
//   node apps/cli/demo/train-demo.mjs export                     # EMA weights + cascade.json + TRAINING.md
//
// The same networks and settings are in base.json / sr32.json, for `cdm train` (npm run demo:train).
//
// Training resumes from the last checkpoint in runs/<stage>; a time limit (or Ctrl-C) saves a
// checkpoint and stops. Build the packages first (`npm run build`).
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, createRegistry, selectBackend } from '@cdm/core';
import { gaussianNoise } from '@cdm/augment';
import { createStage, proceduralDataset, readCheckpoint, trainStage, writeCascadeManifest } from '@cdm/cascade';
import { fsStorage, registerNodeBackends } from '@cdm/backend-node';
import { admUnet, createAdmUnet } from '@cdm/unet';

const here = fileURLToPath(new URL('.', import.meta.url));
const storage = fsStorage(here);
const TIMESTEPS = 1000;
const diffusion = () => new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', TIMESTEPS) });
const AUGMENTATION = { maxLevel: 250, schedule: { name: 'cosine', numTimesteps: TIMESTEPS } };

/** The two stages: network config, dataset resolution and training settings. */
export const DEMO_STAGES = {
  base: {
    resolution: 16,
    unet: { imageSize: 16, modelChannels: 32, channelMult: [1, 2, 2], numResBlocks: 1, attentionResolutions: [4], numHeadChannels: 32, numClasses: 10, classifierFreeGuidance: true, useScaleShiftNorm: true, seed: 1 },
    train: { batchSize: 32, lr: 5e-4, warmup: 100, ema: 0.999, gradClip: 1, classDropout: 0.1, checkpointEvery: 200, seed: 1 },
  },
  sr32: {
    resolution: 32,
    lowResolution: 16,
    unet: { imageSize: 32, modelChannels: 32, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], useScaleShiftNorm: true, superRes: { upsample: 'bicubic' }, augLevelEmbedding: true, seed: 2 },
    train: { batchSize: 16, lr: 5e-4, warmup: 100, ema: 0.999, gradClip: 1, checkpointEvery: 200, seed: 2 },
  },
};

function stageFor(name, denoiser) {
  const spec = DEMO_STAGES[name];
  return createStage({
    name,
    resolution: spec.resolution,
    denoiser,
    diffusion: diffusion(),
    ...(name === 'base'
      ? { numClasses: 10, nullClass: 10 }
      : { lowResolution: spec.lowResolution, upsample: 'bicubic', augmentation: gaussianNoise(AUGMENTATION) }),
  });
}

const useWasm = () => selectBackend('wasm', registerNodeBackends(createRegistry({ kind: 'backend' })));

async function train(name, minutes) {
  const spec = DEMO_STAGES[name];
  await useWasm();
  const denoiser = createAdmUnet(spec.unet);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), minutes * 60_000);
  process.once('SIGINT', () => controller.abort());
  console.log(`training ${name} (${denoiser.parameterCount} parameters) for up to ${minutes} min on ${tf.getBackend()}`);
  try {
    const result = await trainStage({
      stage: stageFor(name, denoiser),
      dataset: proceduralDataset({ resolution: spec.resolution }),
      steps: 100_000,
      ...spec.train,
      storage,
      runDir: `runs/${name}`,
      signal: controller.signal,
      onProgress: (e) => console.log(JSON.stringify(e)),
    });
    console.log(`finished at step ${result.step}`);
  } catch (error) {
    if (error?.code !== 'CDM_ABORTED') throw error;
    console.log(`stopped; checkpoint saved (${error.message})`);
  } finally {
    clearTimeout(timer);
    denoiser.dispose();
  }
}

/** Writes each stage's EMA weights as an adm-unet checkpoint in stages/<name>, cascade.json, and TRAINING.md. */
async function exportDemo() {
  await useWasm();
  const summary = [];
  for (const name of Object.keys(DEMO_STAGES)) {
    const checkpoint = await readCheckpoint(storage, `runs/${name}`);
    if (checkpoint === undefined) throw new Error(`No checkpoint in runs/${name}: train it first`);
    const denoiser = createAdmUnet(DEMO_STAGES[name].unet);
    for (const [key, variable] of denoiser.parameters()) variable.assign(tf.tensor(checkpoint.ema.get(key), variable.shape));
    await admUnet.save(storage, `stages/${name}`, denoiser);
    denoiser.dispose();
    const log = new TextDecoder().decode(await storage.read(`runs/${name}/log.jsonl`)).trim().split('\n').map((l) => JSON.parse(l));
    summary.push({ name, state: checkpoint.state, log });
  }
  await writeCascadeManifest(storage, 'cascade.json', {
    format: 'cdm-cascade',
    version: 1,
    name: 'demo',
    description: 'A tiny two-stage cascade (16×16 base, 16→32 super-resolution) trained on the procedural shapes dataset.',
    classNames: ['circle', 'square', 'triangle', 'ring', 'cross', 'star', 'hexagon', 'diamond', 'crescent', 'two-dots'],
    plugins: ['@cdm/augment'],
    stages: [
      {
        name: 'base',
        resolution: 16,
        numClasses: 10,
        nullClass: 10,
        denoiser: { type: 'adm-unet', path: 'stages/base' },
        diffusion: { schedule: 'cosine', timesteps: TIMESTEPS },
        defaults: { sampler: 'ddim', steps: 'ddim50', guidanceScale: 2 },
      },
      {
        name: 'sr32',
        resolution: 32,
        lowResolution: 16,
        upsample: 'bicubic',
        denoiser: { type: 'adm-unet', path: 'stages/sr32' },
        diffusion: { schedule: 'cosine', timesteps: TIMESTEPS },
        augmentation: { name: 'gaussian-noise', options: AUGMENTATION },
        defaults: { sampler: 'ddim', steps: 'ddim25', augLevel: 50 },
      },
    ],
  });
  const lines = ['# How the demo cascade was trained', '', 'Generated by `node apps/cli/demo/train-demo.mjs export`. Commands:', '', '```sh', 'npm run build', 'node apps/cli/demo/train-demo.mjs train base --minutes 60 &', 'node apps/cli/demo/train-demo.mjs train sr32 --minutes 60 &', 'wait', 'node apps/cli/demo/train-demo.mjs export', '```', ''];
  for (const { name, state, log } of summary) {
    const first = log.slice(0, 5);
    const last = log.slice(-5);
    const mean = (entries) => (entries.reduce((s, e) => s + e.loss, 0) / entries.length).toFixed(4);
    lines.push(`## ${name}`, '', `- network: ${JSON.stringify(DEMO_STAGES[name].unet)}`, `- training: ${JSON.stringify(DEMO_STAGES[name].train)}`);
    lines.push(`- steps: ${state.step}, examples seen: ${state.examplesSeen ?? 'n/a'}, log lines: ${log.length}`);
    lines.push(`- loss: ${mean(first)} over the first ${first.length} log lines, ${mean(last)} over the last ${last.length}`, '');
  }
  await storage.write('TRAINING.md', new TextEncoder().encode(lines.join('\n')));
  console.log('exported cascade.json, stages/base, stages/sr32 and TRAINING.md');
}

const [command, name] = process.argv.slice(2);
const minutesFlag = process.argv.indexOf('--minutes');
const minutes = minutesFlag > 0 ? Number(process.argv[minutesFlag + 1]) : 60;
if (command === 'train' && name in DEMO_STAGES) await train(name, minutes);
else if (command === 'export') await exportDemo();
else {
  console.error('usage: train-demo.mjs train base|sr32 [--minutes N] | export');
  process.exit(2);
}

// npm run bench -w @cdm/cli (after `npm run build`): how much of a training step goes to waiting for
// data, for the README's base config ("Train your own cascade": 16×16, batch 32) on a folder of large
// JPEGs (1024×768), three ways:
//   - the image folder read directly: every image decoded (pure JS) and resized at every step;
//   - the prepared dataset (decoded once by `prepareImageFolder`, sharp when installed) held in memory;
//   - the prepared dataset streamed from disk (as datasets larger than memory are), with and without read-ahead.
// The wait is timed where the training loop asks the dataset for its next batch, during real
// training steps (trainStage with Adam, EMA, class dropout), so it is exactly what a run loses.
// Writes its section of apps/cli/BENCHMARKS.md (the others are kept) with the machine and its load.
//
// Options: --images 64 (JPEGs) --steps 8 (timed steps per row, after 2 warm-up steps) --out FILE
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, createBackendRegistry, memoryStorage, selectBackend } from '@cdm/core';
import { createStage, openPreparedDataset, trainStage } from '@cdm/cascade';
import { createAdmUnet } from '@cdm/unet';
import { replaceSection } from './section.mjs';
import { fsStorage, imageFolderDataset, loadSharp, prepareImageFolder, registerNodeBackends } from '@cdm/backend-node';

const args = Object.fromEntries(process.argv.slice(2).reduce((p, a, i, all) => (a.startsWith('--') ? [...p, [a.slice(2), all[i + 1]]] : p), []));
const imageCount = Number(args.images ?? 64);
const timedSteps = Number(args.steps ?? 8);
const warmup = 2;
const out = args.out ?? fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const loadAtStart = os.loadavg();

const sharp = await loadSharp();
if (sharp === undefined) throw new Error('this benchmark makes its JPEGs with sharp (an optional dependency of @cdm/backend-node): npm install sharp');

// A folder of 1024×768 JPEGs in two classes: smooth gradients plus noise, so they compress like photos.
const dir = await mkdtemp(join(os.tmpdir(), 'cdm-data-bench-'));
const root = join(dir, 'train');
for (const name of ['cat', 'dog']) await mkdir(join(root, name), { recursive: true });
for (let i = 0; i < imageCount; i++) {
  const [w, h] = [1024, 768];
  const pixels = Buffer.alloc(w * h * 3);
  let seed = i * 7919 + 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const noise = (seed >>> 24) / 8;
      const o = (y * w + x) * 3;
      pixels[o] = (x / 4 + i * 9 + noise) & 255;
      pixels[o + 1] = (y / 3 + noise) & 255;
      pixels[o + 2] = ((x + y) / 7 + i * 31) & 255;
    }
  }
  const jpeg = await sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  await writeFile(join(root, i % 2 === 0 ? 'cat' : 'dog', `${String(i).padStart(4, '0')}.jpg`), jpeg);
}

const { backend } = await selectBackend('auto', registerNodeBackends(createBackendRegistry()));

/** The README's base stage: 16×16, 2 classes + null class, ADM U-Net 32 channels [1, 2, 2], attention at 4. */
function readmeBase() {
  const denoiser = createAdmUnet({
    imageSize: 16, modelChannels: 32, channelMult: [1, 2, 2], numResBlocks: 1, attentionResolutions: [4],
    numClasses: 2, classifierFreeGuidance: true, seed: 1,
  });
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('cosine', 1000) });
  return { denoiser, stage: createStage({ name: 'base', resolution: 16, numClasses: 2, nullClass: 2, denoiser, diffusion }) };
}

/** Wraps a dataset so that every wait for a batch is timed. */
function timed(dataset, waits) {
  return {
    ...dataset,
    batches(options) {
      const inner = dataset.batches(options)[Symbol.asyncIterator]();
      return {
        [Symbol.asyncIterator]() { return this; },
        async next() {
          const started = performance.now();
          const result = await inner.next();
          waits.push(performance.now() - started);
          return result;
        },
        return: (value) => inner.return?.(value) ?? Promise.resolve({ done: true, value }),
      };
    },
  };
}

/** Trains warm-up + timed steps; returns the mean step time and the mean wait for data over the timed steps (ms). */
async function measure(dataset) {
  const { denoiser, stage } = readmeBase();
  const waits = [];
  const stepTimes = [];
  let last = performance.now();
  await trainStage({
    stage, dataset: timed(dataset, waits), steps: warmup + timedSteps, batchSize: 32, lr: 5e-4, warmup: 100, ema: 0.999,
    classDropout: 0.1, storage: memoryStorage(), runDir: 'run', log: { every: 1, file: false }, checkpointMinutes: false,
    onProgress: () => {
      const now = performance.now();
      stepTimes.push(now - last);
      last = now;
    },
  });
  denoiser.dispose();
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { step: mean(stepTimes.slice(warmup)), wait: mean(waits.slice(warmup)) };
}

const rows = [];
const direct = await measure(await imageFolderDataset({ root, resolution: 16, randomFlip: true }));
rows.push(['image folder, decoded at every step (pure JS)', direct]);

const prepareJs = await prepareImageFolder({ root, resolution: 16, cacheDir: join(dir, 'cache-js'), decoder: 'js' });
const prepared = await prepareImageFolder({ root, resolution: 16, cacheDir: join(dir, 'cache') });
const reuse = await prepareImageFolder({ root, resolution: 16, cacheDir: join(dir, 'cache') });
const open = (options) => openPreparedDataset({ storage: fsStorage(prepared.path), path: '', randomFlip: true, ...options });
rows.push(['prepared dataset, held in memory (the default below 512 MiB)', await measure(await open({}))]);
rows.push(['prepared dataset, streamed from disk by ranged reads, read ahead', await measure(await open({ inMemoryBytes: 0 }))]);
rows.push(['prepared dataset, streamed from disk, no read-ahead', await measure(await open({ inMemoryBytes: 0, prefetch: false }))]);
const loadAtEnd = os.loadavg();
await rm(dir, { recursive: true, force: true });

const ms = (x) => x.toFixed(1);
const lines = [
  '## Data loading',
  '',
  `Written by \`npm run bench -w @cdm/cli\` (apps/cli/bench/data-loading.mjs) on ${new Date().toISOString().slice(0, 10)}. Do not edit by hand.`,
  '',
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, backend ${backend.name}. Load average (1/5/15 min) at the start: ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}; at the end: ${loadAtEnd.map((l) => l.toFixed(1)).join(' / ')}.`,
  '',
  `The README's base config (16×16, batch 32, 2 classes) trained on ${imageCount} JPEGs of 1024×768. "Wait" is the time the training loop spends in the dataset's \`next()\` per step, over ${timedSteps} steps after ${warmup} warm-up steps; "step" is the whole training step, wait included.`,
  '',
  '| data source | step ms | wait for data ms | wait / step |',
  '|---|---|---|---|',
  ...rows.map(([name, r]) => `| ${name} | ${ms(r.step)} | ${ms(r.wait)} | **${((100 * r.wait) / r.step).toFixed(1)} %** |`),
  '',
  `Preparing the folder once: ${prepared.seconds.toFixed(1)} s with ${prepared.manifest.decoder}, ${prepareJs.seconds.toFixed(1)} s with ${prepareJs.manifest.decoder}; finding the prepared copy up to date again: ${(reuse.seconds * 1000).toFixed(0)} ms.`,
  '',
];
writeFileSync(out, replaceSection(existsSync(out) ? readFileSync(out, 'utf8') : '', 'data-loading', lines.join('\n')));
console.log(lines.join('\n'));
tf.disposeVariables();

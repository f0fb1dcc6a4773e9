/**
 * Step 1 of scripts/make-fixtures.sh: for each fixture config (U-Nets and classifiers), builds the network here, gives
 * every parameter (the zero-initialised convs included) seeded random values, draws an input
 * batch, and writes float16 weights (PyTorch layout) + inputs (NCHW) + the config (metadata) to
 * src/fixtures/<name>.safetensors. torch_reference.py then appends the reference output.
 */
import '@tensorflow/tfjs-backend-cpu';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, writeSafetensors, type SafetensorsTensorInput } from '@cdm/core';
import { exportStateDict } from '../src/state-dict';
import { createAdmUnet } from '../src/unet';
import { UNET_PRESETS } from '../src/presets';
import { resolveUnetConfig } from '../src/config';
import { createAdmClassifier } from '../src/encoder-unet';
import { CLASSIFIER_PRESETS } from '../src/classifier-presets';
import { resolveClassifierConfig } from '../src/classifier-config';
import type { ParameterSpec } from '../src/architecture';
import { CLASSIFIER_FIXTURE_CONFIGS, FIXTURE_BATCH, FIXTURE_CONFIGS, FIXTURE_LOW_RES } from './fixture-configs';

const outDir = process.argv[2] ?? 'src/fixtures';
const presetsFile = process.argv[3];

function nchw(values: Float32Array, b: number, h: number, w: number, c: number): SafetensorsTensorInput {
  const out = new Float32Array(values.length);
  for (let n = 0; n < b; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((n * c + ch) * h + y) * w + x] = values[((n * h + y) * w + x) * c + ch]!;
  return { shape: [b, c, h, w], data: out };
}

/** Seeded random values for every parameter (the zero-initialised ones included). */
function randomize(specs: readonly ParameterSpec[], variables: ReadonlyMap<string, tf.Variable>, rng: ReturnType<typeof createRng>) {
  for (const spec of specs) {
    const v = variables.get(spec.name)!;
    const scale = spec.init.kind === 'uniform' ? 1 / Math.sqrt(spec.init.fanIn) : 0.3;
    const base = spec.init.kind === 'ones' ? 1 : 0;
    const noise = rng.normalArray(v.size).map((z) => base + scale * z);
    v.assign(tf.tensor(noise, v.shape, 'float32'));
  }
}

await tf.setBackend('cpu');
for (const [name, config] of Object.entries(FIXTURE_CONFIGS)) {
  const model = createAdmUnet(config);
  const rng = createRng(1000 + model.config.seed);
  randomize(model.architecture.parameters, model.parameters(), rng);
  const c = model.config;
  const b = FIXTURE_BATCH;
  const s = c.imageSize;
  // Weights as float16 (half the bytes); both sides compute with exactly these values.
  const weights = await exportStateDict(model.architecture.parameters, model.parameters());
  const tensors = new Map([...weights].map(([k, v]): [string, SafetensorsTensorInput] => [k, { ...v, dtype: 'F16' }]));
  tensors.set('fixture.x', nchw(rng.normalArray(b * s * s * c.inChannels), b, s, s, c.inChannels));
  tensors.set('fixture.t', { shape: [b], data: Int32Array.from([17, 912]) });
  if (c.numClasses !== null) tensors.set('fixture.y', { shape: [b], data: Int32Array.from([1, c.numClasses - 1 + (c.classifierFreeGuidance ? 1 : 0)]) });
  if (c.superRes !== null) {
    const k = c.superRes.lowResChannels;
    const l = FIXTURE_LOW_RES;
    tensors.set('fixture.low_res', nchw(rng.uniformArray(b * l * l * k).map((u) => 2 * u - 1), b, l, l, k));
  }
  if (c.augLevelEmbedding) tensors.set('fixture.aug_level', { shape: [b], data: Float32Array.from([0, 250.5]) });
  const bytes = writeSafetensors(tensors, { config: JSON.stringify(c) });
  writeFileSync(`${outDir}/${name}.safetensors`, bytes);
  console.log(`${name}: ${model.parameterCount} parameters, ${bytes.byteLength} bytes`);
  model.dispose();
}

for (const [name, config] of Object.entries(CLASSIFIER_FIXTURE_CONFIGS)) {
  const model = createAdmClassifier(config);
  const rng = createRng(1000 + model.config.seed);
  randomize(model.architecture.parameters, model.parameters(), rng);
  const c = model.config;
  const b = FIXTURE_BATCH;
  const s = c.imageSize;
  const weights = await exportStateDict(model.architecture.parameters, model.parameters());
  const tensors = new Map([...weights].map(([k, v]): [string, SafetensorsTensorInput] => [k, { ...v, dtype: 'F16' }]));
  tensors.set('fixture.x', nchw(rng.normalArray(b * s * s * c.inChannels), b, s, s, c.inChannels));
  tensors.set('fixture.t', { shape: [b], data: Int32Array.from([17, 912]) });
  const bytes = writeSafetensors(tensors, { config: JSON.stringify(c) });
  writeFileSync(`${outDir}/${name}.safetensors`, bytes);
  console.log(`${name}: ${model.parameterCount} parameters, ${bytes.byteLength} bytes`);
  model.dispose();
}

// The presets, resolved, for torch_reference.py --count (parameter counts from PyTorch modules).
if (presetsFile !== undefined) {
  const resolved = Object.fromEntries([
    ...Object.entries(UNET_PRESETS).map(([k, v]) => [k, resolveUnetConfig(v)] as const),
    ...Object.entries(CLASSIFIER_PRESETS).map(([k, v]) => [k, resolveClassifierConfig(v)] as const),
  ]);
  writeFileSync(presetsFile, JSON.stringify(resolved));
}

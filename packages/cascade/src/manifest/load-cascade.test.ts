import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRegistry, createSamplerRegistry, createScheduleRegistry, createAugmentationRegistry, createDenoiserRegistry, memoryStorage, type Backend, type Registries } from '@cdm/core';
import { register as registerAugment } from '@cdm/augment';
import { admUnet, createAdmUnet, type UnetConfig } from '@cdm/unet';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CascadeManifest } from './cascade-manifest';
import { loadCascade } from './load-cascade';
import { writeCascadeManifest } from './write-cascade-manifest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Fresh registries per test, so registrations do not leak between tests. */
function registries(): Registries {
  return {
    schedules: createScheduleRegistry(),
    samplers: createSamplerRegistry(),
    augmentationPolicies: createAugmentationRegistry(),
    denoisers: createDenoiserRegistry().use(admUnet),
    backends: createRegistry<Backend>({ kind: 'backend' }),
  };
}

/** Micro U-Nets: real ADM networks, small enough to run in milliseconds. */
const micro = (extra: Partial<UnetConfig>): UnetConfig => ({
  imageSize: 8,
  modelChannels: 8,
  numResBlocks: 1,
  channelMult: [1, 2],
  attentionResolutions: [4],
  normGroups: 4,
  numHeadChannels: 8,
  ...extra,
});

const manifest: CascadeManifest = {
  format: 'cdm-cascade',
  version: 1,
  name: 'micro',
  classNames: ['a', 'b', 'c', 'd'],
  plugins: ['@cdm/augment'],
  stages: [
    {
      name: 'base',
      resolution: 8,
      denoiser: { type: 'adm-unet', path: 'base', weights: 'ema' },
      diffusion: { schedule: 'cosine', timesteps: 100 },
      numClasses: 4,
      nullClass: 4,
      defaults: { sampler: 'ddim', steps: 'ddim10' },
    },
    {
      name: 'sr16',
      resolution: 16,
      lowResolution: 8,
      upsample: 'bicubic',
      denoiser: { type: 'adm-unet', path: '../weights/sr16' },
      diffusion: { schedule: 'cosine', timesteps: 100 },
      augmentation: { name: 'gaussian-noise', options: { maxLevel: 50, schedule: { name: 'cosine', numTimesteps: 100 } } },
      defaults: { sampler: 'ddim', steps: 'ddim10', augLevel: 21 },
    },
  ],
};

async function writeFixture() {
  const storage = memoryStorage();
  const base = createAdmUnet(micro({ numClasses: 4, classifierFreeGuidance: true, seed: 1 }));
  const sr = createAdmUnet(micro({ imageSize: 16, attentionResolutions: [8], superRes: { upsample: 'bicubic' }, augLevelEmbedding: true, seed: 2 }));
  // EMA weights distinct from the model's, to see which set was loaded.
  const ema = new Map([...base.parameters()].map(([name, v]) => [name, tf.mul(v, 0.5)] as const));
  await admUnet.save(storage, 'cascades/micro/base', base, { ema });
  await admUnet.save(storage, 'cascades/weights/sr16', sr);
  await writeCascadeManifest(storage, 'cascades/micro/cascade.json', manifest);
  const expected = { baseEma: await ema.get('out.2.bias')!.data(), srIn: await sr.parameters().get('input_blocks.0.0.weight')!.data() };
  tf.dispose([...ema.values()]);
  base.dispose();
  sr.dispose();
  return { storage, expected };
}

describe('loadCascade', () => {
  it('loads every stage from cascade.json (relative paths, EMA weights, plugins) and samples', async () => {
    const { storage, expected } = await writeFixture();
    const regs = registries();
    const imported: string[] = [];
    const loaded = await loadCascade(storage, 'cascades/micro/cascade.json', {
      registries: regs,
      importPlugin: async (specifier) => {
        imported.push(specifier);
        return { register: registerAugment };
      },
    });
    expect(imported).toEqual(['@cdm/augment']);
    expect(regs.augmentationPolicies.has('gaussian-noise')).toBe(true);
    const [base, sr] = loaded.cascade.stages;
    expect(Array.from(await base!.denoiser.parameters().get('out.2.bias')!.data())).toEqual(Array.from(expected.baseEma));
    expect(Array.from(await sr!.denoiser.parameters().get('input_blocks.0.0.weight')!.data())).toEqual(Array.from(expected.srIn));
    expect(sr!.superResolution).toMatchObject({ lowResolution: 8, upsample: 'bicubic' });
    expect(sr!.defaults).toMatchObject({ sampler: 'ddim', steps: 'ddim10', augLevel: 21 });

    const before = tf.memory().numTensors;
    const { images } = await loaded.cascade.sample({ classLabels: [0, 3], seed: 1, stages: [{ guidanceScale: 2 }] });
    expect(images.shape).toEqual([2, 16, 16, 3]);
    expect((await images.data()).every(Number.isFinite)).toBe(true);
    images.dispose();
    expect(tf.memory().numTensors).toBe(before);
    loaded.dispose();
  });

  it('names the manifest field when a name does not resolve, and frees what it loaded', async () => {
    const { storage } = await writeFixture();
    const before = tf.memory().numTensors;
    // Without the plugin, 'gaussian-noise' is unknown.
    const bare = { ...manifest, plugins: [] };
    await writeCascadeManifest(storage, 'cascades/micro/cascade.json', bare);
    await expect(loadCascade(storage, 'cascades/micro/cascade.json', { registries: registries() })).rejects.toThrow(
      /cascades\/micro\/cascade\.json: stages\[1\]\.augmentation\.name: Unknown augmentation policy "gaussian-noise"; registered: \(none\)/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const badPath = { ...manifest, stages: [{ ...manifest.stages[0]!, denoiser: { type: 'adm-unet', path: 'missing' } }] };
    await writeCascadeManifest(storage, 'cascades/micro/cascade.json', badPath);
    await expect(loadCascade(storage, 'cascades/micro/cascade.json', { registries: registries(), importPlugin: async () => ({ register: registerAugment }) })).rejects.toThrow(
      expect.objectContaining({ code: 'CDM_NOT_FOUND', message: expect.stringContaining('stages[0].denoiser (cascades/micro/missing)') }),
    );
    const badPlugin = { ...manifest, plugins: ['nope'] };
    await writeCascadeManifest(storage, 'cascades/micro/cascade.json', badPlugin);
    await expect(loadCascade(storage, 'cascades/micro/cascade.json', { registries: registries(), importPlugin: async () => ({}) })).rejects.toThrow(
      /plugins\[0\] \("nope"\): expected a module that exports register\(registries\)/,
    );
    await storage.write('cascades/broken.json', new TextEncoder().encode('{ not json'));
    await expect(loadCascade(storage, 'cascades/broken.json')).rejects.toThrow(/Invalid cascades\/broken\.json: expected a JSON file/);
  });

  it('refuses a stage whose resolution or classes are not those of its network, before sampling anything', async () => {
    const { storage } = await writeFixture();
    const importPlugin = async () => ({ register: registerAugment });
    const before = tf.memory().numTensors;
    const load = async (stages: CascadeManifest['stages']) => {
      await writeCascadeManifest(storage, 'cascades/micro/cascade.json', { ...manifest, stages });
      return loadCascade(storage, 'cascades/micro/cascade.json', { registries: registries(), importPlugin });
    };
    const [base, sr] = manifest.stages as [CascadeManifest['stages'][0], CascadeManifest['stages'][0]];
    // An 8×8 network declared at 16 (and the super-resolution stage moved along) would sample 16×16 noise.
    await expect(load([{ ...base, resolution: 16 }, { ...sr, resolution: 32, lowResolution: 16 }])).rejects.toThrow(
      expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringContaining('stages[0]: Invalid base: resolution: expected 8, the resolution its network was built for, got 16') }),
    );
    // 4 classes + the null row: 3 classes with null class 3 would guide with a real class as "no class".
    await expect(load([{ ...base, numClasses: 3, nullClass: 3 }, sr])).rejects.toThrow(
      /stages\[0\]: Invalid base: numClasses\/nullClass: expected numClasses and nullClass that fit the network's 5 class-embedding rows \(numClasses 4 with nullClass 4, or numClasses 5 without a null class\), got "numClasses 3, nullClass 3"/,
    );
    const { numClasses: _n, nullClass: _c, ...unconditional } = base;
    await expect(load([unconditional, sr])).rejects.toThrow(/numClasses\/nullClass: expected .*got "numClasses unset, nullClass unset"/);
    await expect(load([base, { ...sr, numClasses: 4 }])).rejects.toThrow(/stages\[1\]: Invalid sr16: numClasses\/nullClass: expected no numClasses or nullClass: its network is unconditional/);
    expect(tf.memory().numTensors).toBe(before);
    // Without the null class the guidance row simply goes unused.
    const { nullClass: _d, ...withoutNull } = base;
    (await load([withoutNull, sr])).dispose();
  });
});

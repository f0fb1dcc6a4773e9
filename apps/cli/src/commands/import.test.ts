import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { cpuBackend } from '@cdm/backend-node';
import { createAdmUnet, loadUnet, saveUnet } from '@cdm/unet';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileStorage, toStoragePath } from '../file-storage';
import { cdm, micro, tempDir } from '../testing/micro-cascade';

let dir: string;

beforeAll(async () => {
  await cpuBackend().init();
  dir = await tempDir();
  // A "reference" checkpoint: guided-diffusion state-dict names, PyTorch layout (what saveUnet writes).
  const net = createAdmUnet(micro({ numClasses: 4, classifierFreeGuidance: true, seed: 5 }));
  await saveUnet(fileStorage(), toStoragePath(join(dir, 'reference')), net);
  net.dispose();
  const stage = {
    name: 'base8',
    resolution: 8,
    numClasses: 4,
    nullClass: 4,
    denoiser: { type: 'adm-unet', config: micro() },
    diffusion: { schedule: 'linear', timesteps: 100 },
  };
  await writeFile(join(dir, 'import.json'), JSON.stringify({ classNames: ['a', 'b', 'c', 'd'], stage }));
  await writeFile(join(dir, 'wrong.json'), JSON.stringify({ stage: { ...stage, denoiser: { config: micro({ modelChannels: 16 }) } } }));
});

describe('cdm import', () => {
  it('imports a PyTorch-layout safetensors checkpoint and its config into a stage directory', async () => {
    const before = tf.memory().numTensors;
    const { code, json, stderr } = await cdm(['import', 'reference/model.safetensors', '--config', 'import.json', '--out', 'stages/base8', '--backend', 'tfjs-cpu', '--json'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(json()).toMatchObject({ ok: true, stage: 'base8', weights: 'model' });
    const stageJson = JSON.parse(await readFile(join(dir, 'stages/base8/stage.json'), 'utf8'));
    expect(stageJson).toMatchObject({
      plugins: ['@cdm/unet'],
      classNames: ['a', 'b', 'c', 'd'],
      stage: { denoiser: { type: 'adm-unet', path: '.', weights: 'model' }, diffusion: { schedule: 'linear', timesteps: 100, modelOutput: 'eps' } },
      source: { command: 'cdm import', model: 'model.safetensors', config: '../../import.json' },
    });
    const original = await loadUnet(fileStorage(), toStoragePath(join(dir, 'reference')));
    const imported = await loadUnet(fileStorage(), toStoragePath(join(dir, 'stages/base8')));
    for (const name of ['input_blocks.0.0.weight', 'label_emb.weight', 'out.2.weight']) {
      expect(Array.from(await imported.parameters().get(name)!.data())).toEqual(Array.from(await original.parameters().get(name)!.data()));
    }
    expect(imported.parameters().get('label_emb.weight')!.shape).toEqual(original.parameters().get('label_emb.weight')!.shape);
    original.dispose();
    imported.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a config that does not fit the weights is exit 2 listing the tensors; a missing file is exit 3', async () => {
    const mismatch = await cdm(['import', 'reference/model.safetensors', '--config', 'wrong.json', '--out', 'stages/x', '--backend', 'tfjs-cpu'], { cwd: dir });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/model\.safetensors does not match the network's parameters \(\d+ problems\):\n/);
    expect(mismatch.stderr).toContain('"input_blocks.0.0.weight" has shape [8, 3, 3, 3], expected [16, 3, 3, 3]');
    expect(mismatch.stderr).toContain('[CDM_CHECKPOINT_MISMATCH]');
    const missing = await cdm(['import', 'nope.safetensors', '--config', 'import.json', '--out', 'stages/y'], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.safetensors');
    const noConfig = await cdm(['import', 'reference/model.safetensors', '--out', 'stages/y'], { cwd: dir });
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain("error: required option '--config <file>' not specified");
  });
});

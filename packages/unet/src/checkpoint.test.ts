import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { memoryStorage, readSafetensors, writeSafetensors } from '@cdm/core';
import { codedError } from '@cdm/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FILE, EMA_FILE, MODEL_FILE, loadUnet, loadUnetWeights, readUnetConfig, saveUnet } from './checkpoint';
import type { UnetConfig } from './config';
import { createAdmUnet, type AdmUnet } from './unet';

const CONFIG: UnetConfig = {
  imageSize: 8,
  modelChannels: 16,
  normGroups: 8,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [4],
  useScaleShiftNorm: true,
  numClasses: 2,
  learnSigma: true,
  seed: 3,
};

async function snapshot(model: AdmUnet): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of model.parameters()) out.set(name, (await v.data()) as Float32Array);
  return out;
}

describe('saveUnet / loadUnet', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('round-trips config and weights bit-exactly, EMA included', async () => {
    const storage = memoryStorage();
    const model = createAdmUnet(CONFIG);
    // Perturb the zero-initialised convs so every tensor holds distinct values.
    for (const v of model.parameters().values()) tf.tidy(() => v.assign(tf.add(v, tf.randomUniform(v.shape, -1, 1, 'float32', 9))));
    const ema = new Map([...model.parameters()].map(([k, v]) => [k, tf.mul(v, 0.5)]));
    await saveUnet(storage, 'ckpt/stage1/', model, { ema });
    expect(storage.list()).toEqual([`ckpt/stage1/${CONFIG_FILE}`, `ckpt/stage1/${EMA_FILE}`, `ckpt/stage1/${MODEL_FILE}`]);
    expect(await readUnetConfig(storage, 'ckpt/stage1')).toEqual(model.config);

    const loaded = await loadUnet(storage, 'ckpt/stage1');
    expect(loaded.config).toEqual(model.config);
    const [a, b] = [await snapshot(model), await snapshot(loaded)];
    for (const [name, values] of a) expect(new Uint32Array(b.get(name)!.buffer)).toEqual(new Uint32Array(values.buffer));

    const loadedEma = await loadUnet(storage, 'ckpt/stage1', { weights: 'ema' });
    const emaValues = await snapshot(loadedEma);
    for (const [name, t] of ema) expect(emaValues.get(name)).toEqual(await t.data());

    // The file holds PyTorch layouts under the reference names.
    const file = readSafetensors(await storage.read(`ckpt/stage1/${MODEL_FILE}`));
    expect(file.tensors.get('input_blocks.0.0.weight')!.shape).toEqual([16, 3, 3, 3]);
    expect(file.tensors.get('middle_block.1.qkv.weight')!.shape).toEqual([96, 32, 1]);
    expect(file.tensors.get('time_embed.0.weight')!.shape).toEqual([64, 16]);
    expect(file.metadata).toMatchObject({ format: 'pt', denoiser: 'adm-unet' });
    tf.dispose([...ema.values()]);
    [model, loaded, loadedEma].forEach((m) => m.dispose());
  });

  it('reports a truncated file with a coded error', async () => {
    const storage = memoryStorage();
    const model = createAdmUnet(CONFIG);
    await saveUnet(storage, 'c', model);
    const bytes = await storage.read(`c/${MODEL_FILE}`);
    await storage.write(`c/${MODEL_FILE}`, bytes.subarray(0, bytes.byteLength - 100));
    const { code, message } = await codedError(() => loadUnet(storage, 'c'));
    expect(code).toBe('CDM_SAFETENSORS_CORRUPT');
    expect(message).toContain('truncated');
    model.dispose();
  });

  it('names every missing, misshapen and unexpected tensor in one error', async () => {
    const storage = memoryStorage();
    const model = createAdmUnet(CONFIG);
    await saveUnet(storage, 'c', model);
    const { tensors } = readSafetensors(await storage.read(`c/${MODEL_FILE}`));
    const edited = new Map([...tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data as Float32Array }]));
    edited.delete('out.2.bias');
    edited.delete('label_emb.weight');
    edited.set('middle_block.1.qkv.weight', { shape: [96, 32], data: new Float32Array(96 * 32) });
    edited.set('label_emb.extra', { shape: [1], data: new Float32Array(1) });
    await storage.write(`c/${MODEL_FILE}`, writeSafetensors(edited));
    const before = tf.memory().numTensors;
    const { code, message } = await codedError(() => loadUnet(storage, 'c'));
    expect(tf.memory().numTensors).toBe(before); // the half-built network was disposed
    expect(code).toBe('CDM_CHECKPOINT_MISMATCH');
    expect(message).toContain('c/model.safetensors does not match');
    expect(message).toContain('4 problems');
    expect(message).toContain('missing tensor "out.2.bias" (expected shape [6])');
    expect(message).toContain('missing tensor "label_emb.weight" (expected shape [2, 64])');
    expect(message).toContain('"middle_block.1.qkv.weight" has shape [96, 32], expected [96, 32, 1]');
    expect(message).toContain('unexpected tensor "label_emb.extra"');
    model.dispose();
  });

  it('rejects weights saved from a different config', async () => {
    const storage = memoryStorage();
    const other = createAdmUnet({ ...CONFIG, useScaleShiftNorm: false });
    await saveUnet(storage, 'c', other);
    const model = createAdmUnet(CONFIG);
    const bytes = await storage.read(`c/${MODEL_FILE}`);
    const { code, message } = await codedError(() => loadUnetWeights(model, bytes, 'other.safetensors'));
    expect(code).toBe('CDM_CHECKPOINT_MISMATCH');
    expect(message).toContain('"input_blocks.1.0.emb_layers.1.weight" has shape [16, 64], expected [32, 64]');
    [model, other].forEach((m) => m.dispose());
  });

  it('rejects a config.json for another denoiser or with a bad field', async () => {
    const storage = memoryStorage();
    const write = (value: unknown) => storage.write(`d/${CONFIG_FILE}`, new TextEncoder().encode(JSON.stringify(value)));
    await write({ denoiser: 'other-net', config: CONFIG });
    expect((await codedError(() => readUnetConfig(storage, 'd'))).message).toContain('"denoiser"');
    await write({ denoiser: 'adm-unet', config: { ...CONFIG, numResBlocks: 0 } });
    expect((await codedError(() => readUnetConfig(storage, 'd'))).message).toContain('config.numResBlocks');
  });
});

import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { memoryStorage, readSafetensors, writeSafetensors } from '@cdm/core';
import { codedError } from '@cdm/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildClassifierArchitecture, countClassifierParameters } from './classifier-architecture';
import { CONFIG_FILE, MODEL_FILE } from './checkpoint';
import { loadClassifier, readClassifierConfig, saveClassifier } from './classifier-checkpoint';
import { resolveClassifierConfig, type ClassifierConfig } from './classifier-config';
import { CLASSIFIER_PRESETS, type ClassifierPresetName } from './classifier-presets';
import { createAdmClassifier } from './encoder-unet';
import referenceCounts from './fixtures/reference-parameter-counts.json';

const SMALL: ClassifierConfig = {
  imageSize: 8,
  modelChannels: 8,
  normGroups: 4,
  outChannels: 4,
  channelMult: [1, 2],
  numResBlocks: 1,
  attentionResolutions: [4],
  numHeadChannels: 4,
  useScaleShiftNorm: true,
  seed: 5,
};

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('classifier architecture', () => {
  it('counts every preset from shapes alone, as the PyTorch modules of scripts/torch_reference.py do', () => {
    for (const [name, preset] of Object.entries(CLASSIFIER_PRESETS)) {
      expect([name, countClassifierParameters(resolveClassifierConfig(preset))]).toEqual([name, referenceCounts[name as keyof typeof referenceCounts]]);
    }
  });

  it("names the head with EncoderUNetModel's state-dict keys (ADM 64×64 classifier)", () => {
    const arch = buildClassifierArchitecture(resolveClassifierConfig(CLASSIFIER_PRESETS['adm-imagenet-64-classifier']));
    const shapes = new Map(arch.parameters.map((p) => [p.name, p.torchShape]));
    const names = arch.parameters.map((p) => p.name);
    expect(names.slice(0, 4)).toEqual(['time_embed.0.weight', 'time_embed.0.bias', 'time_embed.2.weight', 'time_embed.2.bias']);
    // No decoder and no class embedding: the encoder half only.
    expect(names.some((n) => n.startsWith('output_blocks.') || n.startsWith('label_emb'))).toBe(false);
    // 128 × (1, 2, 3, 4) → 512 channels at 64 / 8 = 8×8: 65 tokens (the mean token first).
    expect(arch.finalChannels).toBe(512);
    expect(names.slice(-7)).toEqual([
      'out.0.weight',
      'out.0.bias',
      'out.2.positional_embedding',
      'out.2.qkv_proj.weight',
      'out.2.qkv_proj.bias',
      'out.2.c_proj.weight',
      'out.2.c_proj.bias',
    ]);
    expect(shapes.get('out.2.positional_embedding')).toEqual([512, 65]);
    expect(shapes.get('out.2.qkv_proj.weight')).toEqual([1536, 512, 1]);
    expect(shapes.get('out.2.c_proj.weight')).toEqual([1000, 512, 1]);
    expect(arch.poolHeads).toBe(8);
    // Depth 4 per level, BigGAN down blocks: 1 + 4 × 4 + 3 input blocks, attention at 32, 16 and 8.
    expect(arch.inputBlocks.length).toBe(20);
    expect(shapes.get('input_blocks.6.1.qkv.weight')).toEqual([768, 256, 1]); // level 1 (32×32), 256 channels
    expect(shapes.get('input_blocks.5.0.in_layers.0.weight')).toEqual([128]); // the down block after level 0
  });

  it("the adaptive pool's head is GroupNorm and a zero-initialised 1×1 conv (out.3)", () => {
    const arch = buildClassifierArchitecture(resolveClassifierConfig({ ...SMALL, pool: 'adaptive' }));
    const head = arch.parameters.filter((p) => p.name.startsWith('out.'));
    expect(head.map((p) => [p.name, p.torchShape, p.init.kind])).toEqual([
      ['out.0.weight', [16], 'ones'],
      ['out.0.bias', [16], 'zeros'],
      ['out.3.weight', [4, 16, 1, 1], 'zeros'],
      ['out.3.bias', [4], 'zeros'],
    ]);
  });
});

describe('classifier config', () => {
  const cases: [string, object, RegExp][] = [
    ['attention pool without head channels', { ...SMALL, numHeadChannels: undefined }, /Invalid config\.numHeadChannels: expected channels per head for pool 'attention'/],
    ['unknown pool', { ...SMALL, pool: 'spatial' }, /Invalid config\.pool: expected one of "attention", "adaptive", got "spatial"/],
    ['unknown key', { ...SMALL, numClasses: 3 }, /Invalid config\.numClasses: expected no such setting/],
    ['no classes', { ...SMALL, outChannels: 0 }, /Invalid config\.outChannels: expected a positive integer/],
    ['heads that do not divide', { ...SMALL, numHeadChannels: 3 }, /Invalid config\.numHeadChannels: expected a divisor of every attention width/],
    ['attention at a missing resolution', { ...SMALL, attentionResolutions: [2] }, /Invalid config\.attentionResolutions\[0\]: expected one of this network's resolutions \(8, 4\)/],
  ];
  it.each(cases)('%s', async (_name, config, message) => {
    const error = await codedError(() => resolveClassifierConfig(config));
    expect(error.code).toBe('CDM_INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  it('fills in the defaults: attention pool, 3 channels, 32 groups, channel multipliers by size', () => {
    const c = resolveClassifierConfig({ imageSize: 64, modelChannels: 64, outChannels: 10, numResBlocks: 1, numHeadChannels: 64 });
    expect([c.pool, c.inChannels, c.normGroups, c.channelMult, c.convResample]).toEqual(['attention', 3, 32, [1, 2, 3, 4], true]);
  });
});

describe('classifier forward', () => {
  it.each(Object.keys(CLASSIFIER_PRESETS).filter((n) => n.startsWith('tiny')) as ClassifierPresetName[])('%s builds and gives [B, 10] logits', async (name) => {
    const model = createAdmClassifier(CLASSIFIER_PRESETS[name]);
    const s = model.imageSize;
    const x = tf.randomNormal([2, s, s, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([0, 999], 'int32');
    const before = tf.memory().numTensors;
    const logits = model.forward(x, t);
    expect(tf.memory().numTensors).toBe(before + 1); // the logits, nothing else
    expect(logits.shape).toEqual([2, 10]);
    expect(Array.from(await logits.data()).every(Number.isFinite)).toBe(true);
    expect(model.numClasses).toBe(10);
    tf.dispose([x, t, logits]);
    model.dispose();
  });

  it('the adaptive pool starts at zero logits, takes any multiple of its downsampling, and dropout acts in training only', async () => {
    const model = createAdmClassifier({ ...SMALL, pool: 'adaptive', dropout: 0.5 });
    const x = tf.randomNormal([1, 16, 8, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([3], 'int32');
    const logits = model.forward(x, t);
    expect(Array.from(await logits.data())).toEqual([0, 0, 0, 0]);
    // Random weights everywhere: with the zero-initialised convs after it, dropout would change nothing.
    for (const v of model.parameters().values()) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', 7)));
    const [a, b, c] = [model.forward(x, t), model.forward(x, t), model.forward(x, t, { training: true })];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await a.data())).not.toEqual(Array.from(await c.data()));
    tf.dispose([x, t, logits, a, b, c]);
    model.dispose();
  });

  it('rejects inputs of the wrong size with CDM_SHAPE_MISMATCH', async () => {
    const model = createAdmClassifier(SMALL);
    const t = tf.tensor1d([1], 'int32');
    const wrong = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    expect(await codedError(() => model.forward(wrong, t))).toEqual({
      code: 'CDM_SHAPE_MISMATCH',
      message: "x has shape [1, 16, 16, 3], expected [B, 8, 8, 3] (the attention pool's positional embedding fixes the size) [CDM_SHAPE_MISMATCH]",
    });
    const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    expect((await codedError(() => model.forward(x, t))).message).toMatch(/^t has shape \[1\], expected \[2\]/);
    model.dispose();
    expect((await codedError(() => model.forward(x, tf.tensor1d([1, 2], 'int32')))).message).toMatch(/Invalid classifier: expected a classifier that has not been disposed/);
    tf.dispose([t, wrong, x]);
  });
});

describe('classifier checkpoints', () => {
  it('save → load gives the same logits; config.json names the model', async () => {
    const storage = memoryStorage();
    const model = createAdmClassifier(SMALL);
    await saveClassifier(storage, 'cls', model);
    const json = JSON.parse(new TextDecoder().decode(await storage.read(`cls/${CONFIG_FILE}`))) as { classifier: string };
    expect(json.classifier).toBe('adm-classifier');
    expect(await readClassifierConfig(storage, 'cls')).toEqual(model.config);
    const loaded = await loadClassifier(storage, 'cls');
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const t = tf.tensor1d([5, 500], 'int32');
    const [a, b] = [model.forward(x, t), loaded.forward(x, t)];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    // The file holds PyTorch's layout: [out, in, 1] for the pool's 1×1 convs.
    const tensors = readSafetensors(await storage.read(`cls/${MODEL_FILE}`)).tensors;
    expect(tensors.get('out.2.c_proj.weight')!.shape).toEqual([4, 16, 1]);
    tf.dispose([x, t, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('a file that does not fit the config fails with CDM_CHECKPOINT_MISMATCH naming the tensors', async () => {
    const storage = memoryStorage();
    const model = createAdmClassifier(SMALL);
    await saveClassifier(storage, 'cls', model);
    model.dispose();
    const { tensors } = readSafetensors(await storage.read(`cls/${MODEL_FILE}`));
    const pruned = new Map([...tensors].filter(([name]) => name !== 'out.2.positional_embedding'));
    await storage.write(`cls/${MODEL_FILE}`, writeSafetensors(pruned));
    const error = await codedError(() => loadClassifier(storage, 'cls'));
    expect(error.code).toBe('CDM_CHECKPOINT_MISMATCH');
    expect(error.message).toMatch(/missing tensor "out\.2\.positional_embedding" \(expected shape \[16, 17\]\)/);
    await storage.write(`cls/${CONFIG_FILE}`, new TextEncoder().encode('{"denoiser":"adm-unet","config":{}}'));
    expect((await codedError(() => loadClassifier(storage, 'cls'))).message).toMatch(/Invalid cls\/config\.json "classifier": expected "adm-classifier", got undefined/);
  });
});

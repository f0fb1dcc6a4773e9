import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { cpuBackend, pngCodec } from '@cdm/backend-node';
import { loadUnet } from '@cdm/unet';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileStorage, toStoragePath } from '../file-storage';
import { microBaseConfig, cdm, micro, tempDir } from '../testing/micro-cascade';

/** A micro 8 → 16 super-resolution stage with Gaussian conditioning augmentation. */
const srConfig = {
  runDir: 'runs/sr16',
  stage: {
    name: 'sr16',
    resolution: 16,
    lowResolution: 8,
    upsample: 'bilinear',
    augmentation: { name: 'gaussian-noise', options: { maxLevel: 50, schedule: { name: 'cosine', numTimesteps: 100 } } },
    denoiser: { type: 'adm-unet', config: { ...micro({ imageSize: 16, attentionResolutions: [8] }), seed: 2 } },
    diffusion: { schedule: 'cosine', timesteps: 100 },
    defaults: { steps: 'ddim4', augLevel: 25 },
  },
  dataset: { type: 'procedural', size: 20 },
  training: { steps: 2, batchSize: 2, lr: 1e-3, seed: 1 },
};

let dir: string;
const write = async (name: string, config: unknown) => {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
};
const state = async (runDir: string) => JSON.parse(await readFile(join(dir, runDir, 'state.json'), 'utf8')) as { step: number; examplesSeen: number };

beforeAll(async () => {
  dir = await tempDir();
  await cpuBackend().init();
});

describe('cdm train', () => {
  it('trains a micro stage, resumes it where it stopped, and exports a stage directory with EMA weights', async () => {
    const config = await write('base8.json', microBaseConfig());
    const before = tf.memory().numTensors;
    const first = await cdm(['train', config, '--backend', 'tfjs-cpu', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ ok: true, stage: 'base8', backend: 'tfjs-cpu', step: 4, startStep: 0, stepsThisSession: 4 });
    expect(await state('runs/base8')).toMatchObject({ step: 4, examplesSeen: 8 });

    // Same command with a higher target: continues from step 4, does not start over.
    const second = await cdm(['train', config, '--steps', '7', '--backend', 'tfjs-cpu']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Resuming base8 at step 4');
    expect(second.stdout).toMatch(/Trained base8 to step 7 \(this session: 3 steps/);
    expect(second.stderr).toMatch(/^train base8: 7\/7 steps \([\d.]+ steps\/s, ETA [\d.]+s\) loss [\d.]+$/m);
    expect(await state('runs/base8')).toMatchObject({ step: 7, examplesSeen: 14 });
    const log = (await readFile(join(dir, 'runs/base8/log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).step);
    expect(log).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(tf.memory().numTensors).toBe(before);

    // The export: a checkpoint directory whose EMA weights are the run's, and stage.json.
    const stageDir = join(dir, 'runs/base8/stage');
    const stageJson = JSON.parse(await readFile(join(stageDir, 'stage.json'), 'utf8'));
    expect(stageJson).toMatchObject({
      format: 'cdm-stage',
      plugins: ['@cdm/unet'],
      classNames: ['circle', 'square', 'triangle', 'ring', 'cross', 'star', 'hexagon', 'diamond', 'crescent', 'two-dots'],
      stage: {
        name: 'base8',
        resolution: 8,
        numClasses: 10,
        nullClass: 10,
        denoiser: { type: 'adm-unet', path: '.', weights: 'ema' },
        diffusion: { schedule: 'cosine', timesteps: 100, modelOutput: 'eps', modelVariance: 'fixedSmall', loss: 'mse' },
      },
      source: { command: 'cdm train', steps: 7, config: '../../../base8.json' },
    });
    const { readSafetensors, toFloat32 } = await import('@cdm/core');
    const runEma = readSafetensors(await readFile(join(dir, 'runs/base8/checkpoints/step-0000007/ema.safetensors'))).tensors;
    const exported = await loadUnet(fileStorage(), toStoragePath(stageDir), { weights: 'ema' });
    const name = 'out.2.bias';
    expect(Array.from(await exported.parameters().get(name)!.data())).toEqual(Array.from(toFloat32(runEma.get(name)!)));
    exported.dispose();
  });

  it('Ctrl-C (the io signal) saves a checkpoint and exits 4; running again resumes from it', async () => {
    const config = await write('abort.json', microBaseConfig({ runDir: 'runs/abort', training: { ...microBaseConfig().training, steps: 50, checkpointEvery: 100 } }));
    const controller = new AbortController();
    const aborted = await cdm(['train', config, '--backend', 'tfjs-cpu'], {
      signal: controller.signal,
      onStderr: (text) => {
        if (/train base8: \d+\/50/.test(text)) controller.abort(); // the first progress line
      },
    });
    expect(aborted.code).toBe(4);
    const stopped = /Training base8 at step (\d+) \(last checkpoint: [^)]*step-\d+\) was aborted \[CDM_ABORTED\]/.exec(aborted.stderr);
    expect(stopped).not.toBeNull();
    expect(aborted.stderr).toContain('Run the same command again to resume');
    const step = Number(stopped![1]);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(50);
    expect((await state('runs/abort')).step).toBe(step); // saved on abort, though checkpointEvery is 100
    const resumed = await cdm(['train', config, '--steps', String(step + 1), '--backend', 'tfjs-cpu', '--json']);
    expect(resumed.code).toBe(0);
    expect(resumed.json()).toMatchObject({ startStep: step, step: step + 1 });
  });

  it('trains a super-resolution stage, assembles a cascade from the two stage directories, and samples it', async () => {
    const sr = await write('sr16.json', srConfig);
    const trained = await cdm(['train', sr, '--backend', 'tfjs-cpu', '--json']);
    expect(trained.code).toBe(0);
    const stageJson = JSON.parse(await readFile(join(dir, 'runs/sr16/stage/stage.json'), 'utf8'));
    expect(stageJson.plugins).toEqual(['@cdm/unet', '@cdm/augment']);
    expect(stageJson.stage).toMatchObject({ lowResolution: 8, upsample: 'bilinear', augmentation: { name: 'gaussian-noise' } });

    const out = join(dir, 'cascades/micro/cascade.json');
    const assembled = await cdm(['cascade', 'runs/base8/stage', 'runs/sr16/stage', '--out', out, '--name', 'trained-micro', '--description', 'two micro stages', '--json'], { cwd: dir });
    expect(assembled.code).toBe(0);
    const manifest = JSON.parse(await readFile(out, 'utf8'));
    expect(manifest.stages.map((s: any) => s.denoiser.path)).toEqual(['../../runs/base8/stage', '../../runs/sr16/stage']);
    expect(manifest.plugins).toEqual(['@cdm/unet', '@cdm/augment']);
    expect(manifest.classNames[5]).toBe('star');
    expect([manifest.name, manifest.description]).toEqual(['trained-micro', 'two micro stages']);

    const grid = join(dir, 'trained.png');
    const sampled = await cdm(['sample', out, '--classes', 'star,ring', '--guidance', '2', '--out', grid, '--backend', 'tfjs-cpu', '--json']);
    expect(sampled.stderr).toBe('');
    expect(sampled.code).toBe(0);
    const png = await pngCodec().decode(new Uint8Array(await readFile(grid)));
    expect([png.width, png.height]).toEqual([2 * 18 + 2, 16 + 7 + 4]); // captioned: 16 + 7 rows

    const wrongOrder = await cdm(['cascade', 'runs/sr16/stage', 'runs/base8/stage'], { cwd: dir });
    expect(wrongOrder.code).toBe(2);
    expect(wrongOrder.stderr).toContain('Invalid stage directory 1');
  });

  it('training.gradientCheckpointing: true trains, to the losses of the same run without it; a non-boolean is refused with exit 2', async () => {
    // A plugin denoiser that is the ADM U-Net with its forward calls' options recorded (save: a no-op, adm-unet's refuses a wrapped network).
    await writeFile(
      join(dir, 'record-forward.mjs'),
      [
        'export function register(registries) {',
        "  const unet = registries.denoisers.get('adm-unet');",
        '  registries.denoisers.use({',
        "    name: 'recording-unet',",
        '    create(config) {',
        '      const d = unet.create(config);',
        '      return { ...d, forward: (x, t, c, o) => (globalThis.__cdmForwardOptions.push(o), d.forward(x, t, c, o)) };',
        '    },',
        '    load: (...args) => unet.load(...args),',
        '    save: async () => {},',
        '  });',
        '}',
        '',
      ].join('\n'),
    );
    const recorded = (globalThis as { __cdmForwardOptions?: unknown[] }).__cdmForwardOptions = [];
    const base = microBaseConfig();
    // Not 'adm-unet', so the CLI fills in no class fields: the config states them.
    const stage = { ...base.stage, denoiser: { type: 'recording-unet', config: { ...base.stage.denoiser.config, numClasses: 10, classifierFreeGuidance: true } } };
    const training = { ...base.training, steps: 2 };
    const losses = async (runDir: string) => (await readFile(join(dir, runDir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number });
    const config = (runDir: string, extra: Record<string, unknown>) => microBaseConfig({ plugins: ['./record-forward.mjs'], runDir, stage, training: { ...training, ...extra } });
    const plain = await write('gc-plain.json', config('runs/gc-plain', {}));
    const checkpointed = await write('gc.json', config('runs/gc', { gradientCheckpointing: true }));
    const first = await cdm(['train', plain, '--backend', 'tfjs-cpu', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(recorded.splice(0)).toEqual([{ training: true }, { training: true }]);
    const run = await cdm(['train', checkpointed, '--backend', 'tfjs-cpu', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.json()).toMatchObject({ ok: true, stage: 'base8', step: 2 });
    expect(recorded.splice(0)).toEqual([
      { training: true, gradientCheckpointing: true },
      { training: true, gradientCheckpointing: true },
    ]);
    // Same forward (dropout masks replayed), a backward that differs only in float32 rounding: losses within 1e-5 relative.
    const [a, b] = [await losses('runs/gc-plain'), await losses('runs/gc')];
    expect(b.map((l) => l.step)).toEqual([1, 2]);
    b.forEach((line, i) => expect(Math.abs(line.loss - a[i]!.loss)).toBeLessThanOrEqual(1e-5 * a[i]!.loss));

    const bad = await write('gc-bad.json', microBaseConfig({ runDir: 'runs/gc-bad', training: { ...training, gradientCheckpointing: 'yes' } }));
    const refused = await cdm(['train', bad, '--backend', 'tfjs-cpu']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('training.gradientCheckpointing: Invalid input: expected boolean, received string');
    delete (globalThis as { __cdmForwardOptions?: unknown[] }).__cdmForwardOptions;
  });

  it('rejects a config that does not validate with exit 2, naming every bad field', async () => {
    const bad = microBaseConfig() as any;
    bad.stage.diffusion.timesteps = -5;
    bad.dataset = { type: 'imagenet' };
    bad.training.lr = 'fast';
    bad.training.extra = 1;
    const config = await write('bad.json', bad);
    const { code, stderr } = await cdm(['train', config]);
    expect(code).toBe(2);
    expect(stderr).toContain('4 problems:');
    expect(stderr).toContain('stage.diffusion.timesteps: Too small: expected number to be >0');
    expect(stderr).toContain("dataset.type: Invalid discriminator value. Expected 'procedural' | 'image-folder' | 'prepared' | 'cifar10'");
    expect(stderr).toContain('training.lr: Invalid input: expected number, received string');
    expect(stderr).toContain('training.extra: unknown field');

    const preset = await write('preset.json', microBaseConfig({ stage: { ...microBaseConfig().stage, denoiser: { preset: 'huge-256' } } }));
    const unknown = await cdm(['train', preset]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/stage\.denoiser\.preset: unknown preset "huge-256"; one of cdm-imagenet-32, .*tiny-32/);

    const size = await write('size.json', microBaseConfig({ stage: { ...microBaseConfig().stage, denoiser: { config: { ...micro(), imageSize: 16 } } } }));
    const mismatch = await cdm(['train', size, '--backend', 'tfjs-cpu']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('Invalid stage.denoiser.config.imageSize: expected 8 (the stage\'s resolution), got 16');

    const missing = await cdm(['train', join(dir, 'nope.json')]);
    expect(missing.code).toBe(3);
    const folder = await write('folder.json', microBaseConfig({ dataset: { type: 'image-folder', path: 'no-such-folder' } }));
    const noFolder = await cdm(['train', folder, '--backend', 'tfjs-cpu']);
    expect(noFolder.code).toBe(3);
    expect(noFolder.stderr).toContain('no-such-folder');
  });
});

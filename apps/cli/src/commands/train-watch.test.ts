import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { cpuBackend, pngCodec } from '@cdm/backend-node';
import { readSafetensors, toFloat32 } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdm, micro, microBaseConfig, tempDir } from '../testing/micro-cascade';

let dir: string;
const write = async (name: string, config: unknown) => {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
};
const logLines = async (runDir: string) =>
  (await readFile(join(dir, runDir, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; heldOutLoss?: number });
const tensorsOf = async (path: string) => {
  const { tensors } = readSafetensors(await readFile(path));
  return new Map([...tensors].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => [name, Array.from(toFloat32(t))] as const));
};
const training = microBaseConfig().training;

beforeAll(async () => {
  dir = await tempDir('cdm-train-watch-');
  await cpuBackend().init();
});

describe('cdm train: watching a run', () => {
  it('logs a held-out loss, writes sample grids, keeps the newest checkpoints', async () => {
    // T = 4: the grids sample with min(50, T) DDPM steps.
    const stage = { ...microBaseConfig().stage, diffusion: { schedule: 'cosine', timesteps: 4 } };
    const config = await write(
      'watched.json',
      microBaseConfig({ runDir: 'runs/watched', stage, training: { ...training, checkpointEvery: 1, keepLast: 1, heldOut: { examples: 4, every: 2 }, sampleEvery: 2 } }),
    );
    const { code, stderr, json } = await cdm(['train', config, '--backend', 'tfjs-cpu', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = await logLines('runs/watched');
    expect(lines.filter((l) => l.heldOutLoss !== undefined).map((l) => l.step)).toEqual([2, 4]);
    expect(json().heldOutLoss).toBe(lines[3]!.heldOutLoss);
    expect(await readdir(join(dir, 'runs/watched/checkpoints'))).toEqual(['step-0000004']);
    expect(await readdir(join(dir, 'runs/watched/samples'))).toEqual(['step-0000002.png', 'step-0000004.png']);
    // One image per class (10), enlarged 8× to 64 px, captioned with the class names, in a 4-column grid: 3 rows of 64 + 7 pixels.
    const grid = await pngCodec().decode(new Uint8Array(await readFile(join(dir, 'runs/watched/samples/step-0000004.png'))));
    expect([grid.width, grid.height]).toEqual([4 * (64 + 2) + 2, 3 * (64 + 7 + 2) + 2]);
    expect(await readdir(join(dir, 'runs/watched'))).not.toContain('run.lock');
  });

  it('evaluates the held-out loss on an image folder with the training classes', async () => {
    const folder = join(dir, 'held-out');
    const classes = Array.from({ length: 10 }, (_, i) => `class-${i}`);
    for (const [i, name] of classes.entries()) {
      await mkdir(join(folder, name), { recursive: true });
      await writeFile(join(folder, name, '0.png'), await pngCodec().encodePng({ width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(20 * i) }));
    }
    // Image folders' classes are their sorted sub-folder names: train on one too (here the same images, uncached).
    const config = await write(
      'held-out.json',
      microBaseConfig({
        runDir: 'runs/held',
        dataset: { type: 'image-folder', path: 'held-out', cache: false },
        training: { ...training, steps: 2, heldOut: { path: 'held-out', examples: 10, every: 2 } },
      }),
    );
    const { code, stdout, stderr } = await cdm(['train', config, '--backend', 'tfjs-cpu']);
    expect(stderr).not.toContain('cdm:');
    expect(code).toBe(0);
    const [line] = (await logLines('runs/held')).filter((l) => l.heldOutLoss !== undefined);
    expect(line!.step).toBe(2);
    expect(stdout).toContain(`Held-out loss (EMA weights) at step 2: ${line!.heldOutLoss!.toFixed(4)}`);
  });

  it('a held-out image folder must name the training classes', async () => {
    const folder = join(dir, 'held-out-wrong');
    for (const name of ['apple', 'pear']) {
      await mkdir(join(folder, name), { recursive: true });
      await writeFile(join(folder, name, '0.png'), await pngCodec().encodePng({ width: 8, height: 8, channels: 3, data: new Uint8Array(192).fill(90) }));
    }
    const config = await write('held-out-wrong.json', microBaseConfig({ runDir: 'runs/held-wrong', training: { ...training, heldOut: { path: 'held-out-wrong', examples: 2, every: 2 } } }));
    const { code, stderr } = await cdm(['train', config, '--backend', 'tfjs-cpu']);
    expect(code).toBe(2);
    expect(stderr).toContain('The classes of the held-out folder');
    expect(stderr).toContain('[CDM_CLASS_MISMATCH]');
  });

  it('goes on training when a sample grid cannot be written, with a warning', async () => {
    const stage = { ...microBaseConfig().stage, diffusion: { schedule: 'cosine', timesteps: 4 } };
    const config = await write('grid-fails.json', microBaseConfig({ runDir: 'runs/grid-fails', stage, training: { ...training, sampleEvery: 2 } }));
    await mkdir(join(dir, 'runs/grid-fails'), { recursive: true });
    await writeFile(join(dir, 'runs/grid-fails/samples'), 'a file where the grids folder would go');
    const { code, stderr } = await cdm(['train', config, '--backend', 'tfjs-cpu']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/Warning: no sample grid at step 2 \(training goes on\)/);
    expect(stderr).toMatch(/Warning: no sample grid at step 4 /);
    expect(JSON.parse(await readFile(join(dir, 'runs/grid-fails/state.json'), 'utf8')).step).toBe(4);
  });

  it('writes super-resolution grids: the low-resolution inputs above the samples', async () => {
    const config = await write('sr-grid.json', {
      runDir: 'runs/sr-grid',
      stage: {
        name: 'sr16',
        resolution: 16,
        lowResolution: 8,
        augmentation: { name: 'gaussian-noise', options: { maxLevel: 2, schedule: { name: 'cosine', numTimesteps: 4 } } },
        denoiser: { type: 'adm-unet', config: { ...micro({ imageSize: 16, attentionResolutions: [8] }), seed: 2 } },
        diffusion: { schedule: 'cosine', timesteps: 4 },
        defaults: { augLevel: 1 }, // the stage's own default level: the grid's input stand-in must not inherit it
      },
      dataset: { type: 'procedural', size: 20 },
      training: { steps: 1, batchSize: 2, lr: 1e-3, sampleEvery: 1, heldOut: { examples: 3, every: 1 } },
    });
    const { code, stderr } = await cdm(['train', config, '--backend', 'tfjs-cpu']);
    expect(stderr).not.toContain('cdm:');
    expect(code).toBe(0);
    const grid = await pngCodec().decode(new Uint8Array(await readFile(join(dir, 'runs/sr-grid/samples/step-0000001.png'))));
    expect([grid.width, grid.height]).toEqual([8 * (64 + 2) + 2, 2 * (64 + 2) + 2]); // 16 px images enlarged 4×
  });
});

describe('cdm train: init', () => {
  it('starts a fresh run from a stage directory, its PyTorch-layout EMA file, or a checkpoint file; a mismatch lists the problems', async () => {
    const source = await write('init-source.json', microBaseConfig({ runDir: 'runs/init-source' }));
    expect((await cdm(['train', source, '--backend', 'tfjs-cpu'])).code).toBe(0);
    const sourceEma = await tensorsOf(join(dir, 'runs/init-source/checkpoints/step-0000004/ema.safetensors'));
    const starts = ['runs/init-source/stage', 'runs/init-source/stage/ema.safetensors', 'runs/init-source/checkpoints/step-0000004/ema.safetensors'];
    for (const [i, init] of starts.entries()) {
      // ema 1 without warm-up: the average stays at the starting weights.
      const config = await write(`init-${i}.json`, microBaseConfig({ runDir: `runs/init-${i}`, training: { ...training, steps: 1, ema: 1, emaWarmup: false, init } }));
      const { code, stderr } = await cdm(['train', config, '--backend', 'tfjs-cpu']);
      expect(stderr, init).not.toContain('cdm:');
      expect(code, init).toBe(0);
      expect(await tensorsOf(join(dir, `runs/init-${i}/checkpoints/step-0000001/ema.safetensors`)), init).toEqual(sourceEma);
    }
    const wider = microBaseConfig({ runDir: 'runs/init-wide', training: { ...training, init: 'runs/init-source/stage' } }) as ReturnType<typeof microBaseConfig> & { stage: { denoiser: { config: object } } };
    wider.stage.denoiser.config = { ...micro({ modelChannels: 16 }), seed: 1 };
    const { code, stderr } = await cdm(['train', await write('init-wide.json', wider), '--backend', 'tfjs-cpu']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/runs\/init-source\/stage does not match the network's parameters \(\d+ problems\):/);
    expect(stderr).toContain('input_blocks.0.0.weight: shape [3, 3, 3, 8], expected [3, 3, 3, 16]');
  });
});

describe('cdm train: the run-directory lock', () => {
  it('a second cdm train on the same run directory exits 9 naming the first; the lock goes when the first stops', async () => {
    const config = await write('locked.json', microBaseConfig({ runDir: 'runs/locked', training: { ...training, steps: 500, checkpointEvery: 1000 } }));
    const controller = new AbortController();
    let second: Promise<Awaited<ReturnType<typeof cdm>>> | undefined;
    const first = cdm(['train', config, '--backend', 'tfjs-cpu'], {
      signal: controller.signal,
      onStderr: () => {
        second ??= cdm(['train', config, '--backend', 'tfjs-cpu']).finally(() => controller.abort());
      },
    });
    expect((await first).code).toBe(4); // stopped by the abort once the second had its answer
    const refused = await second!;
    expect(refused.code).toBe(9);
    expect(refused.stderr).toContain(`The run directory ${join(dir, 'runs/locked')} is in use by process ${process.pid} on ${hostname()}`);
    expect(refused.stderr).toContain(`delete ${join(dir, 'runs/locked/run.lock')} [CDM_RUN_LOCKED]`);
    expect(await readdir(join(dir, 'runs/locked'))).not.toContain('run.lock');
  });

  it('takes over a lock left by a process that is gone, with a warning', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await new Promise((done) => child.on('close', done));
    await mkdir(join(dir, 'runs/stale'), { recursive: true });
    await writeFile(join(dir, 'runs/stale/run.lock'), JSON.stringify({ pid: child.pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z', token: 't' }));
    const config = await write('stale.json', microBaseConfig({ runDir: 'runs/stale', training: { ...training, steps: 1 } }));
    const { code, stderr } = await cdm(['train', config, '--backend', 'tfjs-cpu']);
    expect(code).toBe(0);
    expect(stderr).toContain(`Warning: taking over ${join(dir, 'runs/stale/run.lock')}, left by process ${child.pid}`);
    expect(await readdir(join(dir, 'runs/stale'))).not.toContain('run.lock');
  });
});

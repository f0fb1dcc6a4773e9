import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpuBackend } from '@cdm/backend-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdm, micro, microBaseConfig, tempDir } from '../testing/micro-cascade';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('cdm-resume-dropout-');
  await cpuBackend().init();
});

/** A micro base stage with heavy dropout, so that every step draws masks from the U-Net's own generator. */
async function config(name: string): Promise<string> {
  const base = microBaseConfig();
  const path = join(dir, `${name}.json`);
  const stage = { ...base.stage, denoiser: { type: 'adm-unet', config: { ...micro(), dropout: 0.5, seed: 1 } } };
  await writeFile(path, JSON.stringify({ ...base, runDir: `runs/${name}`, stageDir: `stages/${name}`, stage, training: { ...base.training, steps: 6, checkpointEvery: 1, keepLast: false } }));
  return path;
}

const weights = (name: string) => readFile(join(dir, `runs/${name}/checkpoints/step-0000006/model.safetensors`));

describe('cdm train with dropout', () => {
  it('resumes bit for bit: the dropout generator is saved with the checkpoint', async () => {
    const whole = await cdm(['train', await config('whole'), '--backend', 'tfjs-cpu']);
    expect(whole.code).toBe(0);
    const split = await config('split');
    expect((await cdm(['train', split, '--steps', '3', '--backend', 'tfjs-cpu'])).code).toBe(0);
    const state = JSON.parse(await readFile(join(dir, 'runs/split/state.json'), 'utf8')) as { denoiserRng?: number[] };
    expect(state.denoiserRng).toHaveLength(4);
    expect((await cdm(['train', split, '--backend', 'tfjs-cpu'])).code).toBe(0);
    expect(Buffer.compare(await weights('whole'), await weights('split'))).toBe(0);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoCascadePath } from '../demo';
import { cdm, tempDir, writeMicroCascade } from '../testing/micro-cascade';

let dir: string;
let manifest: string;

beforeAll(async () => {
  dir = await tempDir();
  manifest = await writeMicroCascade(dir);
});

describe('cdm info <cascade.json>', () => {
  it('--json lists the classes and, per stage, resolution, network size, diffusion, sampling defaults and augmentation', async () => {
    const { code, stderr, json } = await cdm(['info', manifest, '--backend', 'tfjs-cpu', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = json();
    expect(report).toMatchObject({ ok: true, cascade: manifest, name: 'micro', backend: 'tfjs-cpu', numClasses: 4, classNames: ['circle', 'square', 'star', 'ring'], plugins: ['@cdm/augment'] });
    const [base, sr] = report.stages;
    expect(base).toMatchObject({
      name: 'base',
      resolution: 8,
      channels: 3,
      lowResolution: null,
      denoiser: { type: 'adm-unet', weights: 'ema' },
      diffusion: { schedule: 'cosine', timesteps: 100, modelOutput: 'eps', modelVariance: 'fixedSmall' },
      numClasses: 4,
      classifierFreeGuidance: true,
      classifier: false,
      augmentation: null,
      defaults: { sampler: 'ddim', steps: 'ddim5', timesteps: 5, eta: null, guidanceScale: 1, classifierScale: 0 },
    });
    expect(base.denoiser.parameters).toBeGreaterThan(10_000);
    expect(sr).toMatchObject({
      name: 'sr16',
      resolution: 16,
      lowResolution: 8,
      upsample: 'bicubic',
      denoiser: { type: 'adm-unet', weights: 'model' },
      augmentation: { name: 'gaussian-noise', options: { maxLevel: 50 } },
      defaults: { sampler: 'ddim', steps: 'ddim4', timesteps: 4, augLevel: 25, truncate: false, augmentation: 'gaussian-noise' },
    });
  });

  it('for people: one line of classes and a block per stage', async () => {
    const { code, stdout } = await cdm(['info', manifest, '--backend', 'tfjs-cpu']);
    expect(code).toBe(0);
    expect(stdout).toContain('Classes (4): 0 circle, 1 square, 2 star, 3 ring\n');
    expect(stdout).toMatch(/^ {2}0 base: 8×8×3, adm-unet with [\d,]+ parameters \(ema weights\)$/m);
    expect(stdout).toMatch(/^ {6}sampling: ddim, steps "ddim5" \(5\), w = 1$/m);
    expect(stdout).toMatch(/^ {2}1 sr16: 8→16×16×3, adm-unet with [\d,]+ parameters \(model weights\)$/m);
    expect(stdout).toMatch(/^ {6}sampling: ddim, steps "ddim4" \(4\), w = 1, s = 25 \(no null class: no classifier-free guidance\)$/m);
    expect(stdout).toMatch(/^ {6}conditioning: bicubic upsampling, augmentation gaussian-noise \{"maxLevel":50,/m);
    expect(stdout).not.toContain('Backends, highest priority first');
  });

  it('a missing cascade.json is exit 3; a cascade and --demo together is a usage error', async () => {
    const missing = await cdm(['info', join(dir, 'nope.json'), '--json']);
    expect(missing.code).toBe(3);
    expect(missing.json()).toMatchObject({ ok: false, error: { code: 'CDM_NOT_FOUND' } });
    const both = await cdm(['info', manifest, '--demo']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Invalid cascade: expected either a cascade.json or --demo, not both');
  });

  const demo = demoCascadePath({});
  it.skipIf(!existsSync(demo))(`--demo describes the bundled demo cascade${existsSync(demo) ? '' : ' (skipped: not trained)'}`, async () => {
    const { code, json } = await cdm(['info', '--demo', '--backend', 'tfjs-cpu', '--json']);
    expect(code).toBe(0);
    const report = json();
    expect(report.classNames).toHaveLength(10);
    expect(report.stages.map((s: { name: string; resolution: number }) => [s.name, s.resolution])).toEqual([
      ['base', 16],
      ['sr32', 32],
    ]);
    expect(report.stages[0].defaults.guidanceScale).toBe(2);
  });
});

describe('sample --json records the resolved per-stage settings', () => {
  it('resolved: the flags over the stage defaults, every field filled in; params: what the flags set', async () => {
    const { code, json, stderr } = await cdm(['sample', manifest, '--n', '1', '--steps', '2', '--out', join(dir, 'r.png'), '--backend', 'tfjs-cpu', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const stages = json().stages;
    expect(stages.map((s: { params: unknown }) => s.params)).toEqual([{ steps: 2 }, { steps: 2 }]);
    expect(stages[0].resolved).toEqual({ sampler: 'ddim', steps: 2, timesteps: 2, eta: null, guidanceScale: 1, classifierScale: 0 });
    expect(stages[1].resolved).toEqual({ sampler: 'ddim', steps: 2, timesteps: 2, eta: null, guidanceScale: 1, classifierScale: 0, augLevel: 25, truncate: false, augmentation: 'gaussian-noise' });
  });
});

import { describe, expect, it } from 'vitest';
import { parseCascadeManifest, type CascadeManifest } from './cascade-manifest';

const manifest: CascadeManifest = {
  format: 'cdm-cascade',
  version: 1,
  name: 'demo',
  classNames: ['circle', 'square'],
  stages: [
    {
      name: 'base',
      resolution: 16,
      denoiser: { type: 'adm-unet', path: 'base', weights: 'ema' },
      diffusion: { schedule: 'cosine', timesteps: 1000, modelVariance: 'learnedRange', loss: 'hybrid' },
      numClasses: 2,
      nullClass: 2,
      defaults: { sampler: 'ddim', steps: 'ddim50', guidanceScale: 1.5 },
    },
    {
      name: 'sr32',
      resolution: 32,
      lowResolution: 16,
      upsample: 'bicubic',
      denoiser: { type: 'adm-unet', path: 'sr32' },
      diffusion: { schedule: 'linear', timesteps: 1000 },
      augmentation: { name: 'gaussian-noise', options: { maxLevel: 500, schedule: { name: 'linear', timesteps: 1000 } } },
      defaults: { steps: [0, 100, 500, 999], augLevel: 100, truncate: false },
    },
  ],
};

describe('parseCascadeManifest', () => {
  it('accepts a valid manifest and returns it unchanged through JSON', () => {
    expect(parseCascadeManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
  });

  it.each([
    [(m: any) => (m.format = 'other'), /Invalid cascade\.json: format: expected "cdm-cascade"/],
    [(m: any) => (m.version = 2), /cascade\.json: version: expected 1 \(this version of @cdm\/cascade reads version 1\), got 2/],
    [(m: any) => (m.stages = []), /cascade\.json: stages: expected at least one stage/],
    [(m: any) => (m.stages[1].resolution = 32.5), /Invalid cascade\.json: stages\[1\]\.resolution: expected an integer ≥ 1, got 32\.5/],
    [(m: any) => delete m.stages[0].denoiser.path, /stages\[0\]\.denoiser\.path: expected a non-empty string, got undefined/],
    [(m: any) => (m.stages[0].diffusion.modelOutput = 'noise'), /stages\[0\]\.diffusion\.modelOutput: expected one of "eps", "x0", "v"/],
    [(m: any) => (m.stages[1].upsample = 'nearest'), /stages\[1\]\.upsample: expected one of "bilinear", "bicubic"/],
    [(m: any) => (m.stages[1].defaults.truncate = 'yes'), /stages\[1\]\.defaults\.truncate: expected true or false/],
    [(m: any) => (m.stages[0].resolutoin = 16), /stages\[0\]\.resolutoin: expected a known field \(name, resolution/],
    [(m: any) => (m.stages[1].augmentation = { options: {} }), /stages\[1\]\.augmentation\.name: expected a non-empty string/],
    [(m: any) => (m.classNames = ['a', 3]), /cascade\.json: classNames\[1\]: expected a string, got 3/],
  ])('names the field that is wrong (%#)', (mutate, message) => {
    const copy = JSON.parse(JSON.stringify(manifest));
    mutate(copy);
    expect(() => parseCascadeManifest(copy)).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: expect.stringMatching(message) }));
  });

  it('rejects what is not an object at all', () => {
    expect(() => parseCascadeManifest([])).toThrow(/Invalid cascade\.json: expected an object/);
    expect(() => parseCascadeManifest(null, 'https://x/cascade.json')).toThrow(/Invalid https:\/\/x\/cascade\.json: expected an object/);
  });
});

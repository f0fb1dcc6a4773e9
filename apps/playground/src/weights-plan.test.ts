import { describe, expect, it } from 'vitest';
import { memoryStorage } from '@cdm/core';
import { expectedWeightSizes, plannedWeightFiles } from './weights-plan';

const MANIFEST = {
  stages: [
    { name: 'base', denoiser: { type: 'adm-unet', path: 'stages/base', weights: 'ema' } },
    { name: 'sr32', denoiser: { type: 'adm-unet', path: 'stages/sr32' } },
    { name: 'other', denoiser: { type: 'someone-elses', path: 'stages/x' } },
  ],
};

describe('weights plan', () => {
  it('lists the U-Net weight files a cascade.json will load, relative to the manifest', () => {
    expect(plannedWeightFiles(MANIFEST, 'cascade.json')).toEqual(['stages/base/ema.safetensors', 'stages/sr32/model.safetensors']);
    expect(plannedWeightFiles(MANIFEST, 'demo/cascade.json')[0]).toBe('demo/stages/base/ema.safetensors');
    expect(plannedWeightFiles({ stages: 'no' }, 'cascade.json')).toEqual([]);
  });

  it('asks for their sizes, leaving out what it cannot learn, and never throws', async () => {
    const storage = memoryStorage({ 'cascade.json': new TextEncoder().encode(JSON.stringify(MANIFEST)) });
    const sizes = await expectedWeightSizes(storage, 'cascade.json', async (path) => (path.includes('base') ? 4_791_780 : undefined));
    expect([...sizes]).toEqual([['stages/base/ema.safetensors', 4_791_780]]);
    expect(await expectedWeightSizes(storage, 'missing.json', async () => 1)).toEqual(new Map());
  });
});

import '@tensorflow/tfjs-backend-cpu';
import { createDenoiserRegistry, denoisers, isCdmError } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { admUnet, registerUnet } from './factory';

describe("the 'adm-unet' factory", () => {
  it('registers in a given registry, or in core’s default one through the /register entry', async () => {
    const registry = createDenoiserRegistry();
    expect(registerUnet(registry).get('adm-unet')).toBe(admUnet);
    expect(() => registerUnet(registry)).not.toThrow(); // the same object again is a no-op
    expect(denoisers.has('adm-unet')).toBe(false);
    await import('./register');
    expect(denoisers.get('adm-unet')).toBe(admUnet);
  });

  it('builds a denoiser from a JSON config and validates it', () => {
    const denoiser = admUnet.create({ imageSize: 8, modelChannels: 32, channelMult: [1], numResBlocks: 1, output: 'v' });
    expect(denoiser.output).toBe('v');
    expect(denoiser.parameters().has('out.2.weight')).toBe(true);
    for (const v of denoiser.parameters().values()) v.dispose();
    let error: unknown;
    try {
      admUnet.create({ imageSize: 8 });
    } catch (e) {
      error = e;
    }
    expect(isCdmError(error, 'CDM_INVALID_ARGUMENT') && error.message).toContain('config.modelChannels');
  });
});

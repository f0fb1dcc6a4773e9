import { isCdmError } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { resolveUnetConfig } from './config';
import { UNET_PRESETS } from './presets';

const tiny = { imageSize: 16, modelChannels: 32, channelMult: [1, 2], numResBlocks: 1 };

function codeAndMessage(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isCdmError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a CdmError');
}

describe('resolveUnetConfig', () => {
  it("fills in UNetModel's defaults", () => {
    const c = resolveUnetConfig(tiny);
    expect(c).toMatchObject({
      inChannels: 3,
      outChannels: 3,
      attentionResolutions: [],
      dropout: 0,
      convResample: true,
      numClasses: null,
      classifierFreeGuidance: false,
      useScaleShiftNorm: false,
      resblockUpdown: false,
      numHeads: 1,
      numHeadChannels: null,
      numHeadsUpsample: null,
      useNewAttentionOrder: false,
      learnSigma: false,
      output: 'eps',
      superRes: null,
      augLevelEmbedding: false,
      normGroups: 32,
      seed: 0,
    });
    expect(resolveUnetConfig({ ...tiny, channelMult: undefined, imageSize: 64 }).channelMult).toEqual([1, 2, 3, 4]);
    expect(resolveUnetConfig({ ...tiny, superRes: {} }).superRes).toEqual({ lowResChannels: 3, upsample: 'bilinear' });
  });

  it('round-trips through JSON for every preset', () => {
    for (const preset of Object.values(UNET_PRESETS)) {
      const resolved = resolveUnetConfig(preset);
      expect(resolveUnetConfig(JSON.parse(JSON.stringify(resolved)))).toEqual(resolved);
    }
  });

  it.each([
    [{ ...tiny, imageSize: 0 }, 'config.imageSize', 'a positive integer'],
    [{ ...tiny, modelChannels: 2.5 }, 'config.modelChannels', 'a positive integer'],
    [{ ...tiny, modelChannels: 48 }, 'config.modelChannels', 'multiple of normGroups 32'],
    [{ ...tiny, dropout: 1 }, 'config.dropout', 'a probability'],
    [{ ...tiny, attentionResolutions: [8, 5] }, 'config.attentionResolutions[1]', "one of this network's resolutions (16, 8)"],
    [{ ...tiny, channelMult: [1, -2] }, 'config.channelMult[1]', 'a positive number'],
    [{ ...tiny, imageSize: 12, channelMult: [1, 2, 2, 2] }, 'config.imageSize', 'a multiple of 2^3'],
    [{ ...tiny, imageSize: 48, channelMult: undefined }, 'config.channelMult', 'no default for imageSize 48'],
    [{ ...tiny, output: 'score' }, 'config.output', 'one of "eps", "x0", "v"'],
    [{ ...tiny, superRes: { upsample: 'lanczos' } }, 'config.superRes.upsample', '"bilinear", "bicubic"'],
    [{ ...tiny, superRes: { channels: 3 } }, 'config.superRes.channels', 'no such setting'],
    [{ ...tiny, classifierFreeGuidance: true }, 'config.classifierFreeGuidance', 'set numClasses'],
    [{ ...tiny, numHeads: 5 }, 'config.numHeads', 'attention width it applies to (64)'],
    [{ ...tiny, numHeadChannels: 48 }, 'config.numHeadChannels', 'attention width'],
    [{ ...tiny, outChannels: 6 }, 'config.outChannels', 'inChannels (3)'],
    [{ ...tiny, learnsigma: true }, 'config.learnsigma', 'no such setting'],
    [{ ...tiny, useScaleShiftNorm: 'yes' }, 'config.useScaleShiftNorm', 'true or false'],
    [[1, 2], 'config', 'an object'],
  ])('rejects %j naming %s', (config, field, expected) => {
    const { code, message } = codeAndMessage(() => resolveUnetConfig(config));
    expect(code).toBe('CDM_INVALID_ARGUMENT');
    expect(message).toContain(`Invalid ${field}:`);
    expect(message).toContain(expected);
  });

  it('checks numHeadsUpsample only against decoder attention widths', () => {
    // The middle block (width 64) uses numHeads; level-0 attention (width 32) uses numHeadsUpsample there.
    expect(() => resolveUnetConfig({ ...tiny, attentionResolutions: [16], numHeads: 4, numHeadsUpsample: 32 })).not.toThrow();
    expect(codeAndMessage(() => resolveUnetConfig({ ...tiny, attentionResolutions: [16], numHeadsUpsample: 64 })).message).toContain(
      'config.numHeadsUpsample',
    );
  });
});

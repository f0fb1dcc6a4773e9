import { describe, expect, it } from 'vitest';
import { buildArchitecture, countParameters, tfjsShape } from './architecture';
import { resolveUnetConfig } from './config';
import referenceCounts from './fixtures/reference-parameter-counts.json';
import { UNET_PRESETS } from './presets';

describe('buildArchitecture', () => {
  it('counts every preset from shapes alone, as the PyTorch modules of scripts/torch_reference.py do', () => {
    // The JSON was written by building each preset's modules in PyTorch (a separate implementation).
    for (const [name, preset] of Object.entries(UNET_PRESETS)) {
      expect([name, countParameters(resolveUnetConfig(preset))]).toEqual([name, referenceCounts[name as keyof typeof referenceCounts]]);
    }
    // The published upsampler checkpoint (64_256_upsampler.pt) has about 312 M parameters.
    expect(countParameters(resolveUnetConfig(UNET_PRESETS['adm-imagenet-64-256']))).toBe(311_795_910);
  });

  it("names parameters with guided-diffusion's state-dict keys in its order", () => {
    const arch = buildArchitecture(resolveUnetConfig(UNET_PRESETS['adm-imagenet-64']));
    const names = arch.parameters.map((p) => p.name);
    expect(names.slice(0, 5)).toEqual(['time_embed.0.weight', 'time_embed.0.bias', 'time_embed.2.weight', 'time_embed.2.bias', 'label_emb.weight']);
    expect(names.at(-1)).toBe('out.2.bias');
    const shapes = new Map(arch.parameters.map((p) => [p.name, p.torchShape]));
    expect(shapes.get('label_emb.weight')).toEqual([1000, 768]);
    expect(shapes.get('input_blocks.0.0.weight')).toEqual([192, 3, 3, 3]);
    expect(shapes.get('input_blocks.1.0.in_layers.2.weight')).toEqual([192, 192, 3, 3]);
    expect(shapes.get('input_blocks.1.0.emb_layers.1.weight')).toEqual([384, 768]); // scale and shift
    // Level 0 has 3 res blocks, then the BigGAN down block; level 1's first block widens 192 → 384.
    expect(shapes.get('input_blocks.4.0.in_layers.0.weight')).toEqual([192]);
    expect(shapes.has('input_blocks.4.0.skip_connection.weight')).toBe(false);
    expect(shapes.get('input_blocks.5.0.skip_connection.weight')).toEqual([384, 192, 1, 1]);
    expect(shapes.get('input_blocks.5.1.qkv.weight')).toEqual([1152, 384, 1]); // attention at 32
    expect(shapes.get('middle_block.1.qkv.weight')).toEqual([2304, 768, 1]);
    expect(shapes.get('middle_block.1.proj_out.bias')).toEqual([768]);
    expect(shapes.get('output_blocks.0.0.in_layers.0.weight')).toEqual([1536]); // 768 + skip 768
    expect(shapes.get('output_blocks.3.2.in_layers.2.weight')).toEqual([768, 768, 3, 3]); // up block after attention
    expect(shapes.get('out.2.weight')).toEqual([6, 192, 3, 3]); // learned sigma doubles 3
    expect(names.filter((n) => n.startsWith('input_blocks.')).some((n) => n.includes('.op.'))).toBe(false);
  });

  it('adds the null class row only for classifier-free guidance, and aug_embed only when asked', () => {
    const base = { imageSize: 16, modelChannels: 32, channelMult: [1, 2], numResBlocks: 1, numClasses: 10 };
    const rows = (config: object) => buildArchitecture(resolveUnetConfig(config)).parameters.find((p) => p.name === 'label_emb.weight')?.torchShape[0];
    expect(rows(base)).toBe(10);
    expect(rows({ ...base, classifierFreeGuidance: true })).toBe(11);
    const names = (config: object) => buildArchitecture(resolveUnetConfig(config)).parameters.map((p) => p.name);
    expect(names(base).some((n) => n.startsWith('aug_embed'))).toBe(false);
    expect(names({ ...base, augLevelEmbedding: true }).filter((n) => n.startsWith('aug_embed'))).toEqual([
      'aug_embed.0.weight',
      'aug_embed.0.bias',
      'aug_embed.2.weight',
      'aug_embed.2.bias',
    ]);
    // Super-resolution doubles the first conv's input channels (SuperResModel).
    const sr = buildArchitecture(resolveUnetConfig({ ...base, superRes: {} }));
    expect(sr.parameters.find((p) => p.name === 'input_blocks.0.0.weight')?.torchShape).toEqual([32, 6, 3, 3]);
    // Plain resampling: Downsample.op and Upsample.conv, or nothing without convResample.
    const plain = names({ ...base, convResample: true });
    expect(plain).toContain('input_blocks.2.0.op.weight');
    expect(plain).toContain('output_blocks.1.1.conv.weight');
    expect(names({ ...base, convResample: false }).some((n) => n.includes('.op.') || n.includes('.conv.'))).toBe(false);
  });

  it('maps PyTorch shapes to tfjs layouts', () => {
    const arch = buildArchitecture(resolveUnetConfig({ imageSize: 8, modelChannels: 32, channelMult: [1], numResBlocks: 1 }));
    const shape = (name: string) => tfjsShape(arch.parameters.find((p) => p.name === name)!);
    expect(shape('input_blocks.0.0.weight')).toEqual([3, 3, 3, 32]);
    expect(shape('time_embed.0.weight')).toEqual([32, 128]);
    expect(shape('middle_block.1.qkv.weight')).toEqual([32, 96]);
    expect(shape('out.0.bias')).toEqual([32]);
  });
});

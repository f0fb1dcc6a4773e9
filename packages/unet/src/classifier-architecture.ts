import { buildTrunk, createParameterList, parameterSize, type Layer, type ParameterSpec } from './architecture';
import type { ResolvedClassifierConfig } from './classifier-config';

/** The classifier as data: guided-diffusion's `EncoderUNetModel` modules in order, without any tensor. */
export interface ClassifierArchitecture {
  /** Width of the timestep embedding MLP: 4 × modelChannels. */
  readonly embedDim: number;
  readonly inputBlocks: readonly (readonly Layer[])[];
  readonly middleBlock: readonly Layer[];
  /** Width of the middle block, which the head normalises and pools. */
  readonly finalChannels: number;
  /** Side of the middle block's feature map at `imageSize`: imageSize / 2^(levels − 1). */
  readonly poolSide: number;
  /** Heads of the attention pool (finalChannels / numHeadChannels), or 0 for the adaptive pool. */
  readonly poolHeads: number;
  readonly parameters: readonly ParameterSpec[];
}

/**
 * Lays out `EncoderUNetModel.__init__`: `time_embed`, the U-Net's input blocks and middle block
 * (the same modules and names as `UNetModel`'s), then the head `out`:
 * - attention pool: `out.0` GroupNorm, (`out.1` SiLU), `out.2` AttentionPool2d with
 *   `positional_embedding` [C, side² + 1] ~ N(0, 1/C), `qkv_proj` (1×1 conv C → 3C) and `c_proj`
 *   (1×1 conv C → classes);
 * - adaptive pool: `out.0` GroupNorm, (`out.1` SiLU, `out.2` AdaptiveAvgPool2d), `out.3` a
 *   zero-initialised 1×1 conv C → classes, (`out.4` Flatten).
 */
export function buildClassifierArchitecture(c: ResolvedClassifierConfig): ClassifierArchitecture {
  const embedDim = 4 * c.modelChannels;
  const trunk = buildTrunk(c, c.inChannels);
  const ch = trunk.channels;
  const poolSide = c.imageSize / trunk.downsampleRate;
  const list = createParameterList();
  list.linear('time_embed.0', c.modelChannels, embedDim);
  list.linear('time_embed.2', embedDim, embedDim);
  for (const block of trunk.inputBlocks) for (const layer of block) list.layer(layer, embedDim, c.useScaleShiftNorm);
  for (const layer of trunk.middleBlock) list.layer(layer, embedDim, c.useScaleShiftNorm);
  list.norm('out.0', ch);
  let poolHeads = 0;
  if (c.pool === 'attention') {
    poolHeads = ch / c.numHeadChannels!;
    list.add('out.2.positional_embedding', 'embedding', [ch, poolSide * poolSide + 1], { kind: 'normal', std: 1 / Math.sqrt(ch) });
    list.conv1d('out.2.qkv_proj', ch, 3 * ch);
    list.conv1d('out.2.c_proj', ch, c.outChannels);
  } else {
    list.conv('out.3', ch, c.outChannels, 1, true);
  }
  return {
    embedDim,
    inputBlocks: trunk.inputBlocks,
    middleBlock: trunk.middleBlock,
    finalChannels: ch,
    poolSide,
    poolHeads,
    parameters: list.parameters,
  };
}

/** Total trainable parameters of a classifier config, counted from shapes: nothing is allocated. */
export function countClassifierParameters(config: ResolvedClassifierConfig): number {
  return buildClassifierArchitecture(config).parameters.reduce((sum, spec) => sum + parameterSize(spec), 0);
}

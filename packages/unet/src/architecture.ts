import type { ResolvedUnetConfig } from './config';

/**
 * How a parameter is laid out and initialised. Shapes below are PyTorch's (what a state dict and a
 * safetensors checkpoint hold); `tfjsShape` gives the layout the variables use here.
 * - `conv2d`: [out, in, kh, kw] ↔ tfjs HWIO [kh, kw, in, out]
 * - `conv1d`: the attention 1×1 convs, [out, in, 1] ↔ a matmul weight [in, out]
 * - `linear`: [out, in] ↔ [in, out]
 * - `embedding`: [rows, dim] in both
 * - `vector`: biases and GroupNorm scale/shift, [n] in both
 */
export type ParameterLayout = 'conv2d' | 'conv1d' | 'linear' | 'embedding' | 'vector';

/**
 * PyTorch's default initialisation (`kaiming_uniform_(a=√5)` for weights and U(±1/√fan_in) for
 * biases, both U(±1/√fan_in)), N(0, std²) (std 1 unless given) for `nn.Embedding` and the
 * attention pool's positional embedding, 1 and 0 for GroupNorm, and 0 for the reference's
 * `zero_module` convs.
 */
export type ParameterInit =
  | { readonly kind: 'uniform'; readonly fanIn: number }
  | { readonly kind: 'normal'; readonly std?: number }
  | { readonly kind: 'zeros' | 'ones' };

export interface ParameterSpec {
  /** The guided-diffusion state-dict key, e.g. `input_blocks.1.0.in_layers.2.weight`. */
  readonly name: string;
  readonly layout: ParameterLayout;
  readonly torchShape: readonly number[];
  readonly init: ParameterInit;
}

/** One module of a `TimestepEmbedSequential` block, with its state-dict prefix. */
export type Layer =
  | { readonly type: 'conv'; readonly prefix: string; readonly inChannels: number; readonly outChannels: number }
  | {
      readonly type: 'res';
      readonly prefix: string;
      readonly inChannels: number;
      readonly outChannels: number;
      readonly resample: 'none' | 'up' | 'down';
    }
  | { readonly type: 'attention'; readonly prefix: string; readonly channels: number; readonly heads: number }
  | { readonly type: 'downsample'; readonly prefix: string; readonly channels: number; readonly useConv: boolean }
  | { readonly type: 'upsample'; readonly prefix: string; readonly channels: number; readonly useConv: boolean };

/** The network as data: blocks in the reference's order and every parameter, without any tensor. */
export interface UnetArchitecture {
  /** Width of the timestep embedding MLP: 4 × modelChannels. */
  readonly embedDim: number;
  /** Channels into the first conv: x_t plus the low-res image for super-resolution. */
  readonly inputChannels: number;
  /** Channels out of the last conv: outChannels, doubled when learnSigma. */
  readonly outputChannels: number;
  /** Rows of `label_emb` (numClasses, plus the null class for classifier-free guidance), or 0. */
  readonly labelRows: number;
  readonly inputBlocks: readonly (readonly Layer[])[];
  readonly middleBlock: readonly Layer[];
  readonly outputBlocks: readonly (readonly Layer[])[];
  /** Width of the decoder's last block (what `out` normalises). */
  readonly finalChannels: number;
  readonly parameters: readonly ParameterSpec[];
}

/** The embedding MLP's prefix for the augmentation level s (a CDM addition; not in the reference). */
export const AUG_EMBED_PREFIX = 'aug_embed';

/** The settings that lay out the encoder half (input blocks and middle block), shared by the U-Net and the classifier. */
export interface TrunkSettings {
  readonly imageSize: number;
  readonly modelChannels: number;
  readonly channelMult: readonly number[];
  readonly numResBlocks: number;
  readonly attentionResolutions: readonly number[];
  readonly numHeads: number;
  readonly numHeadChannels: number | null;
  readonly resblockUpdown: boolean;
  readonly convResample: boolean;
}

/** The encoder half as data: guided-diffusion's `input_blocks` and `middle_block`. */
export interface Trunk {
  readonly inputBlocks: readonly (readonly Layer[])[];
  readonly middleBlock: readonly Layer[];
  /** Width of each input block's output, in order (the U-Net's skip connections). */
  readonly skipChannels: readonly number[];
  /** Width of the middle block. */
  readonly channels: number;
  /** Total downsampling factor at the middle block: 2^(levels − 1). */
  readonly downsampleRate: number;
}

/** Heads of an attention block of width `channels`: fixed channels per head win over a fixed count. */
export function attentionHeads(c: Pick<TrunkSettings, 'numHeadChannels'>, channels: number, numHeads: number): number {
  return c.numHeadChannels === null ? numHeads : channels / c.numHeadChannels;
}

/**
 * Lays out the input blocks and the middle block exactly as guided-diffusion's `UNetModel` and
 * `EncoderUNetModel` both do: per level, `numResBlocks` residual blocks (with attention where the
 * downsample rate is listed), then a down block except after the last level.
 */
export function buildTrunk(c: TrunkSettings, inputChannels: number): Trunk {
  const attentionRates = new Set(c.attentionResolutions.map((r) => c.imageSize / r));
  let ch = Math.trunc(c.channelMult[0]! * c.modelChannels);
  const inputBlocks: Layer[][] = [[{ type: 'conv', prefix: 'input_blocks.0.0', inChannels: inputChannels, outChannels: ch }]];
  const skipChannels = [ch];
  let ds = 1;
  c.channelMult.forEach((mult, level) => {
    for (let i = 0; i < c.numResBlocks; i++) {
      const prefix = `input_blocks.${inputBlocks.length}`;
      const out = Math.trunc(mult * c.modelChannels);
      const layers: Layer[] = [resLayer(`${prefix}.0`, ch, out)];
      ch = out;
      if (attentionRates.has(ds)) layers.push({ type: 'attention', prefix: `${prefix}.1`, channels: ch, heads: attentionHeads(c, ch, c.numHeads) });
      inputBlocks.push(layers);
      skipChannels.push(ch);
    }
    if (level !== c.channelMult.length - 1) {
      const prefix = `input_blocks.${inputBlocks.length}.0`;
      inputBlocks.push([
        c.resblockUpdown ? resLayer(prefix, ch, ch, 'down') : { type: 'downsample', prefix, channels: ch, useConv: c.convResample },
      ]);
      skipChannels.push(ch);
      ds *= 2;
    }
  });
  const middleBlock: Layer[] = [
    resLayer('middle_block.0', ch, ch),
    { type: 'attention', prefix: 'middle_block.1', channels: ch, heads: attentionHeads(c, ch, c.numHeads) },
    resLayer('middle_block.2', ch, ch),
  ];
  return { inputBlocks, middleBlock, skipChannels, channels: ch, downsampleRate: ds };
}

function resLayer(prefix: string, inChannels: number, outChannels: number, resample: 'none' | 'up' | 'down' = 'none'): Layer {
  return { type: 'res', prefix, inChannels, outChannels, resample };
}

/** Collects `ParameterSpec`s in registration order, with one helper per kind of module. */
export interface ParameterList {
  readonly parameters: ParameterSpec[];
  add(name: string, layout: ParameterLayout, torchShape: number[], init: ParameterInit): void;
  /** `nn.Linear(inF, outF)`. */
  linear(prefix: string, inF: number, outF: number): void;
  /** `nn.Conv2d(inC, outC, k)`, zero-initialised for the reference's `zero_module`. */
  conv(prefix: string, inC: number, outC: number, k: number, zero?: boolean): void;
  /** `nn.Conv1d(inC, outC, 1)` (attention projections). */
  conv1d(prefix: string, inC: number, outC: number, zero?: boolean): void;
  /** `GroupNorm32(channels)`: weight 1, bias 0. */
  norm(prefix: string, channels: number): void;
  /** Every parameter of one block module, given the embedding width and whether its res blocks use AdaGN. */
  layer(layer: Layer, embedDim: number, useScaleShiftNorm: boolean): void;
}

export function createParameterList(): ParameterList {
  const parameters: ParameterSpec[] = [];
  const add = (name: string, layout: ParameterLayout, torchShape: number[], init: ParameterInit) => {
    parameters.push({ name, layout, torchShape, init });
  };
  const linear = (prefix: string, inF: number, outF: number) => {
    add(`${prefix}.weight`, 'linear', [outF, inF], { kind: 'uniform', fanIn: inF });
    add(`${prefix}.bias`, 'vector', [outF], { kind: 'uniform', fanIn: inF });
  };
  const conv = (prefix: string, inC: number, outC: number, k: number, zero = false) => {
    const fanIn = inC * k * k;
    add(`${prefix}.weight`, 'conv2d', [outC, inC, k, k], zero ? { kind: 'zeros' } : { kind: 'uniform', fanIn });
    add(`${prefix}.bias`, 'vector', [outC], zero ? { kind: 'zeros' } : { kind: 'uniform', fanIn });
  };
  const conv1d = (prefix: string, inC: number, outC: number, zero = false) => {
    add(`${prefix}.weight`, 'conv1d', [outC, inC, 1], zero ? { kind: 'zeros' } : { kind: 'uniform', fanIn: inC });
    add(`${prefix}.bias`, 'vector', [outC], zero ? { kind: 'zeros' } : { kind: 'uniform', fanIn: inC });
  };
  const norm = (prefix: string, channels: number) => {
    add(`${prefix}.weight`, 'vector', [channels], { kind: 'ones' });
    add(`${prefix}.bias`, 'vector', [channels], { kind: 'zeros' });
  };
  const layer = (l: Layer, embedDim: number, useScaleShiftNorm: boolean) => {
    switch (l.type) {
      case 'conv':
        return conv(l.prefix, l.inChannels, l.outChannels, 3);
      case 'res': {
        const p = l.prefix;
        norm(`${p}.in_layers.0`, l.inChannels);
        conv(`${p}.in_layers.2`, l.inChannels, l.outChannels, 3);
        linear(`${p}.emb_layers.1`, embedDim, useScaleShiftNorm ? 2 * l.outChannels : l.outChannels);
        norm(`${p}.out_layers.0`, l.outChannels);
        conv(`${p}.out_layers.3`, l.outChannels, l.outChannels, 3, true);
        if (l.inChannels !== l.outChannels) conv(`${p}.skip_connection`, l.inChannels, l.outChannels, 1);
        return;
      }
      case 'attention':
        norm(`${l.prefix}.norm`, l.channels);
        conv1d(`${l.prefix}.qkv`, l.channels, 3 * l.channels);
        conv1d(`${l.prefix}.proj_out`, l.channels, l.channels, true);
        return;
      case 'downsample':
        if (l.useConv) conv(`${l.prefix}.op`, l.channels, l.channels, 3);
        return;
      case 'upsample':
        if (l.useConv) conv(`${l.prefix}.conv`, l.channels, l.channels, 3);
        return;
    }
  };
  return { parameters, add, linear, conv, conv1d, norm, layer };
}

/**
 * Lays out guided-diffusion's `UNetModel.__init__` (and `SuperResModel`, which doubles the input
 * channels): the same modules in the same order, so parameter names and shapes match its state dict.
 */
export function buildArchitecture(config: ResolvedUnetConfig): UnetArchitecture {
  const c = config;
  const embedDim = 4 * c.modelChannels;
  const inputChannels = c.inChannels + (c.superRes?.lowResChannels ?? 0);
  const outputChannels = c.learnSigma ? 2 * c.outChannels : c.outChannels;
  const labelRows = c.numClasses === null ? 0 : c.numClasses + (c.classifierFreeGuidance ? 1 : 0);
  const attentionRates = new Set(c.attentionResolutions.map((r) => c.imageSize / r));

  const trunk = buildTrunk(c, inputChannels);
  const skipChannels = [...trunk.skipChannels];
  let ch = trunk.channels;
  let ds = trunk.downsampleRate;
  const outputBlocks: Layer[][] = [];
  for (let level = c.channelMult.length - 1; level >= 0; level--) {
    const mult = c.channelMult[level]!;
    for (let i = 0; i <= c.numResBlocks; i++) {
      const prefix = `output_blocks.${outputBlocks.length}`;
      const skip = skipChannels.pop()!;
      const out = Math.trunc(mult * c.modelChannels);
      const layers: Layer[] = [resLayer(`${prefix}.0`, ch + skip, out)];
      ch = out;
      if (attentionRates.has(ds)) {
        layers.push({ type: 'attention', prefix: `${prefix}.1`, channels: ch, heads: attentionHeads(c, ch, c.numHeadsUpsample ?? c.numHeads) });
      }
      if (level > 0 && i === c.numResBlocks) {
        const up = `${prefix}.${layers.length}`;
        layers.push(c.resblockUpdown ? resLayer(up, ch, ch, 'up') : { type: 'upsample', prefix: up, channels: ch, useConv: c.convResample });
        ds /= 2;
      }
      outputBlocks.push(layers);
    }
  }

  const list = createParameterList();
  const layerParameters = (layer: Layer) => list.layer(layer, embedDim, c.useScaleShiftNorm);
  // Registration order of the reference's __init__, which is its state-dict order.
  list.linear('time_embed.0', c.modelChannels, embedDim);
  list.linear('time_embed.2', embedDim, embedDim);
  if (labelRows > 0) list.add('label_emb.weight', 'embedding', [labelRows, embedDim], { kind: 'normal' });
  if (c.augLevelEmbedding) {
    list.linear(`${AUG_EMBED_PREFIX}.0`, c.modelChannels, embedDim);
    list.linear(`${AUG_EMBED_PREFIX}.2`, embedDim, embedDim);
  }
  for (const block of trunk.inputBlocks) block.forEach(layerParameters);
  trunk.middleBlock.forEach(layerParameters);
  for (const block of outputBlocks) block.forEach(layerParameters);
  list.norm('out.0', ch);
  list.conv('out.2', Math.trunc(c.channelMult[0]! * c.modelChannels), outputChannels, 3, true);

  return {
    embedDim,
    inputChannels,
    outputChannels,
    labelRows,
    inputBlocks: trunk.inputBlocks,
    middleBlock: trunk.middleBlock,
    outputBlocks,
    finalChannels: ch,
    parameters: list.parameters,
  };
}

/** The number of elements of a parameter. */
export const parameterSize = (spec: ParameterSpec): number => spec.torchShape.reduce((a, b) => a * b, 1);

/** The layout a parameter's variable has here (tfjs: HWIO convs, [in, out] matmul weights). */
export function tfjsShape(spec: ParameterSpec): number[] {
  const s = spec.torchShape;
  switch (spec.layout) {
    case 'conv2d':
      return [s[2]!, s[3]!, s[1]!, s[0]!];
    case 'conv1d':
    case 'linear':
      return [s[1]!, s[0]!];
    case 'embedding':
    case 'vector':
      return [...s];
  }
}

/** Total trainable parameters of a config, counted from shapes: nothing is allocated. */
export function countParameters(config: ResolvedUnetConfig): number {
  return buildArchitecture(config).parameters.reduce((sum, spec) => sum + parameterSize(spec), 0);
}

import type * as tf from '@tensorflow/tfjs-core';
import type { Layer } from './architecture';
import { attentionBlock } from './attention-block';
import type { BlockContext } from './block-context';
import { conv2d } from './ops/conv';
import { avgPool2x, upsampleNearest2x } from './ops/resample-features';
import { resBlock } from './res-block';

/** Runs one module of a `TimestepEmbedSequential` block (the embedding goes to residual blocks only). */
export function applyLayer(layer: Layer, h: tf.Tensor4D, emb: tf.Tensor2D, ctx: BlockContext): tf.Tensor4D {
  switch (layer.type) {
    case 'conv':
      return conv2d(h, ctx.param(`${layer.prefix}.weight`), ctx.param(`${layer.prefix}.bias`), 1, ctx.fuseBias);
    case 'res':
      return resBlock(layer, h, emb, ctx);
    case 'attention':
      return attentionBlock(layer, h, ctx);
    case 'downsample':
      return layer.useConv ? conv2d(h, ctx.param(`${layer.prefix}.op.weight`), ctx.param(`${layer.prefix}.op.bias`), 2, ctx.fuseBias) : avgPool2x(h);
    case 'upsample': {
      const up = upsampleNearest2x(h);
      return layer.useConv ? conv2d(up, ctx.param(`${layer.prefix}.conv.weight`), ctx.param(`${layer.prefix}.conv.bias`), 1, ctx.fuseBias) : up;
    }
  }
}

/** Runs a block's modules in order. */
export function applyBlock(layers: readonly Layer[], input: tf.Tensor4D, emb: tf.Tensor2D, ctx: BlockContext): tf.Tensor4D {
  return layers.reduce((y, layer) => applyLayer(layer, y, emb, ctx), input);
}

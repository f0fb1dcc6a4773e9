import * as tf from '@tensorflow/tfjs-core';
import type { BlockContext } from './block-context';
import { add } from './ops/add';
import { conv2d, dense } from './ops/conv';
import { groupNorm } from './ops/group-norm';
import { avgPool2x, upsampleNearest2x } from './ops/resample-features';
import { silu } from './ops/silu';

export interface ResBlockShape {
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly resample: 'none' | 'up' | 'down';
}

/**
 * The reference's `ResBlock`: h = conv(SiLU(GN(x))), then the embedding enters either as a bias
 * (h + W·SiLU(emb)) or as AdaGN, GN(h)·(1 + scale) + shift (Dhariwal & Nichol 2021 §3), followed by
 * SiLU → dropout → a zero-initialised conv; the skip is 1×1 when the width changes. An up/down block
 * (BigGAN style) resamples both paths between the first activation and the first conv.
 *
 * @param x [B, H, W, inChannels]; emb [B, embedDim]
 */
export function resBlock(block: ResBlockShape, x: tf.Tensor4D, emb: tf.Tensor2D, ctx: BlockContext): tf.Tensor4D {
  const p = (name: string) => ctx.param(`${block.prefix}.${name}`);
  const resample = block.resample === 'up' ? upsampleNearest2x : block.resample === 'down' ? avgPool2x : undefined;

  let h = silu(groupNorm(x, ctx.normGroups, p('in_layers.0.weight'), p('in_layers.0.bias')));
  let skipInput = x;
  if (resample !== undefined) {
    h = resample(h);
    skipInput = resample(x);
  }
  h = conv2d(h, p('in_layers.2.weight'), p('in_layers.2.bias'), 1, ctx.fuseBias);

  const embOut = dense(silu(emb), p('emb_layers.1.weight'), p('emb_layers.1.bias'));
  const [b, width] = embOut.shape;
  const e = tf.reshape(embOut, [b, 1, 1, width]);
  if (ctx.useScaleShiftNorm) {
    const [scale, shift] = tf.split(e, 2, 3); // th.chunk(emb_out, 2, dim=1): scale first
    const normed = groupNorm(h, ctx.normGroups, p('out_layers.0.weight'), p('out_layers.0.bias'));
    h = add(tf.mul(normed, tf.add(scale!, 1)), shift!);
  } else {
    h = groupNorm(add(h, e), ctx.normGroups, p('out_layers.0.weight'), p('out_layers.0.bias'));
  }
  h = conv2d(ctx.dropout(silu(h)), p('out_layers.3.weight'), p('out_layers.3.bias'), 1, ctx.fuseBias);

  const skip =
    block.inChannels === block.outChannels
      ? skipInput
      : conv2d(skipInput, p('skip_connection.weight'), p('skip_connection.bias'), 1, ctx.fuseBias);
  return add(skip, h);
}

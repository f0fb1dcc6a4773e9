import * as tf from '@tensorflow/tfjs-core';
import type { BlockContext } from './block-context';
import { add } from './ops/add';
import { groupNorm } from './ops/group-norm';

export interface AttentionBlockShape {
  readonly prefix: string;
  readonly channels: number;
  readonly heads: number;
}

/**
 * The reference's `AttentionBlock`: multi-head self-attention over all H·W positions of GN(x), with
 * a zero-initialised output projection and a residual connection. The qkv projection's 3·C
 * channels are read in the reference's two orders: `QKVAttentionLegacy` splits heads first
 * ([heads][q|k|v][ch]); `QKVAttention` splits q, k, v first ([q|k|v][heads][ch]). Both scale q and k
 * by ch^(−¼) before the product. Every tensor here is at most 4-D.
 */
export function attentionBlock(block: AttentionBlockShape, x: tf.Tensor4D, ctx: BlockContext): tf.Tensor4D {
  const p = (name: string) => ctx.param(`${block.prefix}.${name}`);
  const [b, height, width, c] = x.shape;
  const t = height * width;
  const heads = block.heads;
  const ch = c / heads;

  const normed = tf.reshape(groupNorm(x, ctx.normGroups, p('norm.weight'), p('norm.bias')), [b * t, c]);
  const qkv = tf.reshape(add(tf.matMul(normed, p('qkv.weight') as tf.Tensor2D), p('qkv.bias')), [b, t, 3 * c]);

  /** [B, T, heads·n] (head-major channels) → [B·heads, T, n]. */
  const splitHeads = (y: tf.Tensor, n: number): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.reshape(y, [b, t, heads, n]), [0, 2, 1, 3]), [b * heads, t, n]);
  let q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D;
  if (ctx.useNewAttentionOrder) {
    const [qs, ks, vs] = tf.split(qkv, 3, 2);
    [q, k, v] = [splitHeads(qs!, ch), splitHeads(ks!, ch), splitHeads(vs!, ch)];
  } else {
    const [qs, ks, vs] = tf.split(splitHeads(qkv, 3 * ch), 3, 2);
    [q, k, v] = [qs as tf.Tensor3D, ks as tf.Tensor3D, vs as tf.Tensor3D];
  }
  const scale = 1 / Math.sqrt(Math.sqrt(ch));
  const logits = tf.matMul(tf.mul(q, scale), tf.mul(k, scale), false, true); // [B·heads, T, T]
  const attended = tf.matMul(tf.softmax(logits), v); // [B·heads, T, ch]
  const merged = tf.reshape(tf.transpose(tf.reshape(attended, [b, heads, t, ch]), [0, 2, 1, 3]), [b * t, c]);
  const projected = add(tf.matMul(merged, p('proj_out.weight') as tf.Tensor2D), p('proj_out.bias'));
  return add(x, tf.reshape(projected, [b, height, width, c]));
}

import * as tf from '@tensorflow/tfjs-core';

export interface AttentionPoolShape {
  /** State-dict prefix of the module, e.g. `out.2`. */
  readonly prefix: string;
  readonly heads: number;
}

/**
 * The reference's `AttentionPool2d` (after CLIP, Radford et al. 2021): the H·W feature vectors get
 * their mean prepended as an extra token, a learned positional embedding is added to all H·W + 1
 * tokens, a 1×1 projection makes q, k and v (split q|k|v first, then heads: `QKVAttention`, with
 * q and k each scaled by ch^(−¼)), and the attention output of token 0 — the mean token — goes
 * through `c_proj` to the logits. Only token 0's query is computed: the other tokens' outputs are
 * discarded by the reference (`x[:, :, 0]`), and every step is per token, so the result is the same.
 *
 * @param x [B, H, W, C] features (already normalised and activated); H·W + 1 must match the
 *   positional embedding.
 * @returns [B, outChannels]
 */
export function attentionPool(pool: AttentionPoolShape, x: tf.Tensor4D, param: (name: string) => tf.Tensor): tf.Tensor2D {
  const p = (name: string) => param(`${pool.prefix}.${name}`);
  const [b, height, width, c] = x.shape;
  const length = height * width + 1;
  const heads = pool.heads;
  const ch = c / heads;

  const flat = tf.reshape(x, [b, height * width, c]);
  const tokens = tf.add(tf.concat([tf.mean(flat, 1, true), flat], 1), tf.transpose(p('positional_embedding'))); // [B, L, C]
  const qkv = tf.add(tf.matMul(tf.reshape(tokens, [b * length, c]), p('qkv_proj.weight') as tf.Tensor2D), p('qkv_proj.bias'));
  const [q, k, v] = tf.split(tf.reshape(qkv, [b, length, 3 * c]), 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];

  /** [B, n, heads·ch] (head-major channels) → [B·heads, n, ch]. */
  const splitHeads = (y: tf.Tensor3D): tf.Tensor3D => {
    const n = y.shape[1];
    return tf.reshape(tf.transpose(tf.reshape(y, [b, n, heads, ch]), [0, 2, 1, 3]), [b * heads, n, ch]);
  };
  const scale = 1 / Math.sqrt(Math.sqrt(ch));
  const query = splitHeads(tf.slice(q, [0, 0, 0], [b, 1, c]));
  const logits = tf.matMul(tf.mul(query, scale), tf.mul(splitHeads(k), scale), false, true); // [B·heads, 1, L]
  const attended = tf.reshape(tf.matMul(tf.softmax(logits), splitHeads(v)), [b, c]); // heads-major, as the reference
  return tf.add(tf.matMul(attended, p('c_proj.weight') as tf.Tensor2D), p('c_proj.bias'));
}

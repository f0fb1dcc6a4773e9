import * as tf from '@tensorflow/tfjs-core';
import { createRng, randomNormal } from '@cdm/core';

/**
 * A tiny U-Net-shaped network with every op kind a real U-Net training step uses: 3×3 and 1×1
 * convolutions ('same', 'valid' and explicit padding, stride 1 and 2), GroupNorm through moments,
 * SiLU, a class embedding by one-hot matmul, avgPool 2×2, single-head self-attention with softmax,
 * nearest-neighbour ×2 upsampling and a concatenated skip. For tests only.
 */
export interface TinyUNet {
  readonly params: tf.Variable[];
  /** The mse loss of the net's output against `target` (the caller owns the scalar). */
  loss(x: tf.Tensor4D, labels: tf.Tensor1D, target: tf.Tensor4D): tf.Scalar;
  dispose(): void;
}

export function tinyUNet(options: { channels?: number; inChannels?: number; classes?: number; seed?: number } = {}): TinyUNet {
  const c = options.channels ?? 8;
  const cin = options.inChannels ?? 3;
  const classes = options.classes ?? 4;
  const rng = createRng(options.seed ?? 1);
  const weight = (shape: number[], fanIn: number) =>
    tf.variable(tf.tidy(() => tf.mul(randomNormal(rng, shape), 1 / Math.sqrt(fanIn))));
  const w = {
    inConv: weight([3, 3, cin, c], 9 * cin),
    classEmb: weight([classes, c], classes),
    down: weight([3, 3, c, 2 * c], 9 * c),
    qkv: weight([1, 1, 2 * c, 6 * c], 2 * c),
    proj: weight([2 * c, 2 * c], 2 * c),
    mid: weight([3, 3, 2 * c, 2 * c], 18 * c),
    out: weight([3, 3, 3 * c + 2 * c, cin], 45 * c),
    skip1x1: weight([1, 1, c, c], c),
  };
  const groupNorm = (x: tf.Tensor4D, groups: number) => {
    const [b, h, wd, ch] = x.shape;
    const g = tf.reshape(x, [b, h, wd, groups, ch / groups]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    return tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), x.shape) as tf.Tensor4D;
  };
  const silu = (x: tf.Tensor4D) => tf.mul(x, tf.sigmoid(x)) as tf.Tensor4D;
  const attention = (x: tf.Tensor4D) => {
    const [b, h, wd, ch] = x.shape;
    const qkv = tf.conv2d(x, w.qkv as tf.Tensor4D, 1, 'valid');
    const tokens = tf.reshape(qkv, [b, h * wd, 3 * ch]);
    const [q, k, v] = tf.split(tokens, 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(ch)));
    const mixed = tf.matMul(weights, v);
    const projected = tf.matMul(tf.reshape(mixed, [b * h * wd, ch]), w.proj as tf.Tensor2D);
    return tf.add(x, tf.reshape(projected, x.shape)) as tf.Tensor4D;
  };
  return {
    params: Object.values(w),
    loss: (x, labels, target) =>
      tf.tidy(() => {
        const emb = tf.matMul(tf.oneHot(tf.cast(labels, 'int32'), classes), w.classEmb as tf.Tensor2D); // [B, C]
        const h = tf.add(tf.conv2d(x, w.inConv as tf.Tensor4D, 1, 'same'), tf.reshape(emb, [x.shape[0], 1, 1, c])) as tf.Tensor4D;
        const skip = silu(groupNorm(h, 2));
        const skip1 = tf.conv2d(skip, w.skip1x1 as tf.Tensor4D, 1, 'valid');
        const down = tf.conv2d(skip, w.down as tf.Tensor4D, 2, 'same');
        const d = tf.conv2d(attention(silu(groupNorm(down, 2))), w.mid as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
        const up = tf.image.resizeNearestNeighbor(d, [x.shape[1], x.shape[2]]);
        const pooled = tf.image.resizeNearestNeighbor(tf.avgPool(skip1, 2, 2, 'valid'), [x.shape[1], x.shape[2]]);
        const merged = tf.concat([up, skip1, skip, pooled], 3);
        const out = tf.conv2d(merged, w.out as tf.Tensor4D, 1, 'same');
        return tf.mean(tf.square(tf.sub(out, target))) as tf.Scalar;
      }),
    dispose: () => Object.values(w).forEach((v) => v.dispose()),
  };
}

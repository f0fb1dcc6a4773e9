// A second, smaller network for the benchmark (it stood in for the 32×32 preset before @cdm/unet
// existed): a reduced ADM-style
// U-Net (3 levels at 32/16/8 with channels C, 2C, 2C, one residual block per level and per up
// step, GroupNorm + SiLU, stride-2 conv downsampling, nearest ×2 upsampling, concatenated skips,
// single-head self-attention at 8×8). bench/torch_reference.py builds the same network. It is
// written in plain tfjs ops, so its GroupNorm and SiLU are composites: it shows what a model that
// does not use @cdm/core's fused-kernel contracts gets.
import * as tf from '@tensorflow/tfjs-core';

export function smallUNet({ channels: C = 64, seed = 1 } = {}) {
  let counter = seed;
  const params = [];
  const weight = (shape, fanIn) => {
    const v = tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', counter++));
    params.push(v);
    return v;
  };
  const constant = (shape, value) => {
    const v = tf.variable(tf.fill(shape, value));
    params.push(v);
    return v;
  };
  const conv = (cin, cout, k = 3) => ({ w: weight([k, k, cin, cout], k * k * cin), b: constant([cout], 0) });
  const norm = (c) => ({ gamma: constant([c], 1), beta: constant([c], 0), groups: Math.min(8, c) });
  const resblock = (cin, cout) => ({ n1: norm(cin), c1: conv(cin, cout), n2: norm(cout), c2: conv(cout, cout), skip: cin === cout ? null : conv(cin, cout, 1) });

  const net = {
    inConv: conv(3, C),
    r0: resblock(C, C),
    down0: conv(C, C),
    r1: resblock(C, 2 * C),
    down1: conv(2 * C, 2 * C),
    r2: resblock(2 * C, 2 * C),
    attn: { n: norm(2 * C), qkv: conv(2 * C, 6 * C, 1), proj: conv(2 * C, 2 * C, 1) },
    up1: conv(2 * C, 2 * C),
    ur1: resblock(4 * C, 2 * C),
    up0: conv(2 * C, 2 * C),
    ur0: resblock(3 * C, C),
    outNorm: norm(C),
    outConv: conv(C, 3),
  };

  const applyConv = (x, p, stride = 1) => tf.add(tf.conv2d(x, p.w, stride, 'same'), p.b);
  const groupNorm = (x, p) => {
    const [b, h, w, c] = x.shape;
    const g = tf.reshape(x, [b, h, w, p.groups, c / p.groups]);
    const { mean, variance } = tf.moments(g, [1, 2, 4], true);
    const normed = tf.reshape(tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, 1e-5))), x.shape);
    return tf.add(tf.mul(normed, p.gamma), p.beta);
  };
  const silu = (x) => tf.mul(x, tf.sigmoid(x));
  const applyRes = (x, p) => {
    const h = applyConv(silu(groupNorm(x, p.n1)), p.c1);
    const h2 = applyConv(silu(groupNorm(h, p.n2)), p.c2);
    return tf.add(p.skip ? applyConv(x, p.skip) : x, h2);
  };
  const attention = (x, p) => {
    const [b, h, w, c] = x.shape;
    const qkv = tf.reshape(applyConv(groupNorm(x, p.n), p.qkv), [b, h * w, 3 * c]);
    const [q, k, v] = tf.split(qkv, 3, 2);
    const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(c)));
    return tf.add(x, applyConv(tf.reshape(tf.matMul(weights, v), x.shape), p.proj));
  };
  const up = (x) => tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2]);

  const forward = (x) => {
    const h0 = applyRes(applyConv(x, net.inConv), net.r0); // 32×32×C
    const h1 = applyRes(applyConv(h0, net.down0, 2), net.r1); // 16×16×2C
    const h2 = attention(applyRes(applyConv(h1, net.down1, 2), net.r2), net.attn); // 8×8×2C
    const u1 = applyRes(tf.concat([applyConv(up(h2), net.up1), h1], 3), net.ur1); // 16×16×2C
    const u0 = applyRes(tf.concat([applyConv(up(u1), net.up0), h0], 3), net.ur0); // 32×32×C
    return applyConv(silu(groupNorm(u0, net.outNorm)), net.outConv);
  };
  const numParams = params.reduce((n, p) => n + p.size, 0);
  return { params, forward, numParams, loss: (x, target) => tf.mean(tf.squaredDifference(forward(x), target)), dispose: () => tf.dispose(params) };
}

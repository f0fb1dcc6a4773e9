/* eslint-disable @typescript-eslint/no-require-imports -- this script checks the CommonJS build through require() */
// The CommonJS side of scripts/smoke.mjs: require() the built package, train a conv on wasm.
const assert = require('node:assert/strict');
const tf = require('@tensorflow/tfjs-core');
const { wasmBackend } = require('@cdm/backend-node');

(async () => {
  assert.equal(tf.getGradient('Conv2D'), undefined, 'tfjs-core alone registers no gradients');
  await wasmBackend().init();
  const x = tf.ones([1, 4, 4, 1]);
  const g = tf.grad((w) => tf.sum(tf.square(tf.conv2d(x, w, 1, 'same'))))(tf.ones([3, 3, 1, 2]));
  assert.deepEqual(g.shape, [3, 3, 1, 2]);
  assert.equal(tf.getBackend(), 'wasm');
  console.log('smoke (cjs): ok');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
